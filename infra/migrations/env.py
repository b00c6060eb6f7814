"""Alembic environment: the metadata is idgate's, the connection is handed in by
``idgate.storage.migrations`` (or built from ``sqlalchemy.url`` for the alembic CLI)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from idgate.storage.database import normalize_url
from idgate.storage.tables import metadata

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Migrations are platform-level: with FORCE ROW LEVEL SECURITY (0003) even the
            # owner sees no tenant rows unless the transaction's tenant scope is '*'.
            connection.exec_driver_sql("SELECT set_config('app.tenant_id', '*', true)")
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = normalize_url(config.get_main_option("sqlalchemy.url") or "sqlite:///./idgate.db")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
