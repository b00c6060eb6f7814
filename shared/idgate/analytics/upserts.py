"""Adding to counters in one statement on both databases: ``INSERT ... ON CONFLICT (key)
DO UPDATE SET n = n + excluded.n`` (PostgreSQL 9.5+, SQLite 3.24+), so rows that already
exist and new ones take the same single round trip, and concurrent writers never lose an
increment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def add_counts(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, counts: Sequence[str]
) -> None:
    """Add each row's ``counts`` columns to the row with the same primary key, or insert it."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [column.name for column in table.primary_key.columns]
    upsert = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + statement.excluded[name] for name in counts},
    )
    conn.execute(upsert, list(rows))


def set_values(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, values: Sequence[str]
) -> None:
    """Insert each row, or overwrite the ``values`` columns of the one with its key."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [column.name for column in table.primary_key.columns]
    upsert = statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in values}
    )
    conn.execute(upsert, list(rows))
