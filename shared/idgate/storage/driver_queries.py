"""One-row lookups on the hot path, run on the pooled DB-API connection directly.

Introspection and userinfo ask one question of the database per request (is this access
token revoked?). Through a SQLAlchemy ``Connection`` the question cost 39 us on SQLite, of
which the query itself was 3: the rest is connection wrapping, event dispatch, result
objects and transaction bookkeeping. Here the statement is still written with SQLAlchemy
Core and compiled once per dialect; only its execution goes to the driver: a pooled
connection (pinged when it was idle, as everywhere), on PostgreSQL the tenant scope set
first in the same transaction (the row-level security of migration 0003, as
``storage.database`` sets it for every transaction), then one ``execute`` and ``fetchone``.

A driver error is raised as SQLAlchemy raises a statement's (a ``DBAPIError``), and a fault
of the database as ``DatabaseUnavailable`` (``storage.faults``). A pooled connection found
dead is invalidated and the question asked once more the ordinary way, through
``storage.database.read``: a read is safe to repeat, and that path invalidates the rest of
the pool and replaces a dead connection at BEGIN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from idgate.storage import database, tenant_scope
from idgate.storage.faults import DATABASE_ERRORS, raise_if_unavailable


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
        try:
            row = self._first_on_driver(engine, params)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise_if_unavailable(exc)
                raise
            row = self._first_through_engine(engine, params)
        except DATABASE_ERRORS as exc:
            raise_if_unavailable(exc)
            raise
        return None if row is None else tuple(row)

    def _first_on_driver(self, engine: Engine, params: Mapping[str, Any]) -> Any:
        sql, order = self._sql_for(engine)
        connection = engine.raw_connection()
        try:
            if engine.dialect.name == "postgresql":
                return _first_on_postgresql(connection.driver_connection, sql, params)
            args = tuple(params[name] for name in order) if order is not None else params
            cursor = connection.cursor()
            try:
                cursor.execute(sql, args)
                return cursor.fetchone()
            finally:
                cursor.close()
        except engine.dialect.loaded_dbapi.Error as exc:
            # What SQLAlchemy does for its own statements: a dead connection leaves the
            # pool (returned, its reset would fail and log), and the error is wrapped.
            lost = engine.dialect.is_disconnect(exc, connection.driver_connection, None)
            if lost:
                connection.invalidate(exc)
            raise DBAPIError.instance(
                sql,
                params,
                exc,
                engine.dialect.loaded_dbapi.Error,
                hide_parameters=True,  # a token id: not for logs
                connection_invalidated=lost,
                dialect=engine.dialect,
            ) from exc
        finally:
            connection.close()  # back to the pool

    def _first_through_engine(self, engine: Engine, params: Mapping[str, Any]) -> Any:
        with database.read(engine) as conn:
            return conn.execute(self._statement, dict(params)).first()


# Named like the compiled statement's own parameters (psycopg's pyformat style).
_SCOPE_THEN = "SELECT set_config('app.tenant_id', %(idgate_scope)s, true); "


def _first_on_postgresql(connection: Any, sql: str, params: Mapping[str, Any]) -> Any:
    """Sets the tenant scope and asks the question in one round trip: the two statements go
    as one simple-protocol message, which PostgreSQL runs as one implicit transaction, so
    the transaction-local scope covers the query and ends with it. psycopg's ClientCursor
    binds the parameters (with its own quoting) and allows the two statements; the
    engine's connections are in autocommit mode (``storage.database``), so no BEGIN or
    ROLLBACK round trip is needed. Measured: 35 us of CPU instead of 126 for set_config,
    query and rollback.

    The connection goes back to the pool in the autocommit mode it came with: the engine
    relies on it (with autocommit off, psycopg would send a BEGIN of its own before the
    engine's, a round trip more and a "transaction in progress" warning). On an engine
    connection it is already on, so normally nothing is switched at all."""
    import psycopg

    was_autocommit = connection.autocommit
    if not was_autocommit:
        connection.autocommit = True
    try:
        with psycopg.ClientCursor(connection) as cursor:
            cursor.execute(
                _SCOPE_THEN + sql, {**params, "idgate_scope": tenant_scope.setting_value()}
            )
            cursor.nextset()
            return cursor.fetchone()
    finally:
        if not was_autocommit:
            connection.autocommit = False
