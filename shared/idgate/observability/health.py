"""Readiness of the process's dependencies, framework-free (``web.health_routes`` serves it):
the database answers ``SELECT 1``."""

from __future__ import annotations

import structlog
from sqlalchemy import text

from idgate.kernel.runtime import Runtime
from idgate.storage import database

log = structlog.get_logger("idgate.health")


def database_ready(rt: Runtime) -> bool:
    try:
        with database.read(rt.engine) as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # DatabaseUnavailable, or any other driver or pool error
        cause = exc.__cause__ or exc  # the driver's error behind DatabaseUnavailable
        first_line = (str(cause).splitlines() or [""])[0][:200]
        log.warning("database not ready", error=type(cause).__name__, detail=first_line)
        return False
    return True
