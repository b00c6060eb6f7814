"""The Alembic migrations build exactly the schema ``storage/tables.py`` declares, on SQLite
and on PostgreSQL: a table, column, index or constraint added to one and not the other
fails here instead of in production."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from idgate.kernel.runtime import Runtime
from idgate.storage.database import normalize_url
from idgate.storage.migrations import migration_url
from idgate.storage.tables import metadata


def test_alembic_head_matches_the_declared_tables(rt: Runtime) -> None:
    # As the schema owner: the service role may not see every object's definition.
    engine = create_engine(normalize_url(migration_url(rt.settings)))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []
