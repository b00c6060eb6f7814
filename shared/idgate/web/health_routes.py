"""Liveness, readiness and the Prometheus scrape endpoint for container and local mode.

``/health/live`` answers as long as the process serves HTTP; ``/health/ready`` also needs
the database (``observability.health``) and answers 503 while it is down. ``/metrics`` is
mounted by ``local.server`` (local mode and container hosts), never by the Lambda functions:
there, metrics leave the process through logs, not a scrape.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from idgate.observability import metrics
from idgate.observability.health import database_ready
from idgate.web.deps import RuntimeDep
from idgate.web.json_endpoints import NO_STORE_HEADERS

health_router = APIRouter(prefix="/health", include_in_schema=False)
metrics_router = APIRouter(include_in_schema=False)


@health_router.get("/live")
async def live() -> Response:
    return JSONResponse({"status": "ok"}, headers=NO_STORE_HEADERS)


@health_router.get("/ready")
def ready(rt: RuntimeDep) -> Response:
    if database_ready(rt):
        return JSONResponse(
            {"status": "ok", "checks": {"database": "ok"}}, headers=NO_STORE_HEADERS
        )
    return JSONResponse(
        {"status": "unavailable", "checks": {"database": "down"}},
        status_code=503,
        headers=NO_STORE_HEADERS,
    )


@metrics_router.get("/metrics")
async def prometheus_metrics() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type, headers=NO_STORE_HEADERS)
