"""Run the Alembic migrations under infra/migrations against an engine.

Migrations connect as ``IDGATE_MIGRATION_DATABASE_URL`` when it is set (on PostgreSQL in
production: the role owning the schema, while the service connects as one bound by
row-level security), else as ``IDGATE_DATABASE_URL``. Alembic loads with this module, so
only what migrates imports it (the CLI, tests); the server that ``idgate serve`` execs never
does.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from idgate.storage.database import normalize_url
from idgate.storage.tenant_scope import ALL_TENANTS, scoped


def migration_url(settings: Settings) -> str:
    return settings.migration_database_url or settings.database_url


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.set_main_option("sqlalchemy.url", migration_url(settings).replace("%", "%%"))
    return config


def prepare_database(rt: Runtime) -> None:
    """Create or upgrade ``rt``'s database to the newest schema. Platform-level work: the
    migrations' own statements run with the '*' tenant scope."""
    with scoped(ALL_TENANTS):
        upgrade_to_head(rt.engine, rt.settings)


def upgrade_to_head(engine: Engine, settings: Settings) -> None:
    """Upgrade through ``engine``, or through a short-lived engine on the migration URL
    when one is configured."""
    if settings.migration_database_url:
        owner = create_engine(normalize_url(settings.migration_database_url), poolclass=NullPool)
        try:
            _upgrade(owner, settings)
        finally:
            owner.dispose()
    else:
        _upgrade(engine, settings)


def _upgrade(engine: Engine, settings: Settings) -> None:
    config = alembic_config(settings)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
