"""One-row lookups on the hot path, run on the pooled DB-API connection directly.

Introspection and userinfo ask one question of the database per request (is this access
token revoked?). Through a SQLAlchemy ``Connection`` the question cost 39 us on SQLite, of
which the query itself was 3: the rest is connection wrapping, event dispatch, result
objects and transaction bookkeeping. Here the statement is still written with SQLAlchemy
Core and compiled once per dialect; only its execution goes to the driver: a pooled
connection (pre-pinged on PostgreSQL, as everywhere), on PostgreSQL the tenant scope set
first in the same transaction (the row-level security of migration 0003, exactly as
``storage.database`` does it), then one ``execute`` and ``fetchone``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql import Select

from idgate import tenant_scope
from idgate.storage.database import SET_SCOPE_SQL


class DriverQuery:
    """A SELECT compiled once per engine dialect; ``first`` returns its first row or None."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self._statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def _sql_for(self, engine: Engine) -> tuple[str, tuple[str, ...] | None]:
        name = engine.dialect.name
        found = self._compiled.get(name)
        if found is None:
            compiled = self._statement.compile(dialect=engine.dialect)
            # Positional paramstyles (SQLite's qmark) take a tuple in ``positiontup`` order.
            order = tuple(compiled.positiontup) if compiled.positional else None  # type: ignore[arg-type]
            found = self._compiled[name] = (compiled.string, order)
        return found

    def first(self, engine: Engine, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        sql, order = self._sql_for(engine)
        args: Any = tuple(params[name] for name in order) if order is not None else params
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                if engine.dialect.name == "postgresql":
                    cursor.execute(SET_SCOPE_SQL, (tenant_scope.setting_value(),))
                cursor.execute(sql, args)
                row = cursor.fetchone()
            finally:
                cursor.close()
            # Ends the read transaction on PostgreSQL; nothing to end on SQLite (autocommit).
            connection.rollback()
        finally:
            connection.close()  # back to the pool
        return None if row is None else tuple(row)
