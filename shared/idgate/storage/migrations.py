"""Run the Alembic migrations under infra/migrations against an engine."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from idgate.settings import Settings


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade_to_head(engine: Engine, settings: Settings) -> None:
    config = alembic_config(settings)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
