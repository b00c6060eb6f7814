"""Liveness, readiness and the Prometheus scrape endpoint for container and local mode.

``/health/live`` answers as long as the process serves HTTP; ``/health/ready`` also needs
the database (``SELECT 1``) and answers 503 while it is down. ``/metrics`` is mounted by
``local.server`` (and a container entry point), never by the Lambda functions: there,
metrics leave the process through logs, not a scrape.

This is the one router outside ``web/``: it only wires HTTP to ``database_ready`` and
``metrics.exposition`` and holds no protocol logic.
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from idgate.observability import metrics
from idgate.runtime import Runtime
from idgate.storage import database
from idgate.web.deps import RuntimeDep

log = structlog.get_logger("idgate.health")
NO_STORE = {"Cache-Control": "no-store"}

health_router = APIRouter(prefix="/health", include_in_schema=False)
metrics_router = APIRouter(include_in_schema=False)


def database_ready(rt: Runtime) -> bool:
    try:
        with database.read(rt.engine) as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver or pool error means "not ready"
        first_line = (str(exc).splitlines() or [""])[0][:200]
        log.warning("database not ready", error=type(exc).__name__, detail=first_line)
        return False
    return True


@health_router.get("/live")
async def live() -> Response:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@health_router.get("/ready")
def ready(rt: RuntimeDep) -> Response:
    if database_ready(rt):
        return JSONResponse({"status": "ok", "checks": {"database": "ok"}}, headers=NO_STORE)
    return JSONResponse(
        {"status": "unavailable", "checks": {"database": "down"}}, status_code=503, headers=NO_STORE
    )


@metrics_router.get("/metrics")
async def prometheus_metrics() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type, headers=NO_STORE)
