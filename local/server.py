"""The platform server: every function's routes in one process (the token function's own
ASGI app first), with the health and metrics endpoints. It is what container hosts run
(``python -m local.server --migrate``) and what ``idgate serve`` execs in production mode;
local mode runs ``local.dev.server``, which adds the demo relying party and the dev pages
on top of this app. It also purges expired rows every ``IDGATE_PURGE_INTERVAL_SECONDS``
(``PeriodicPurge``, the data-lifecycle job that the maintenance function runs on a schedule
under Lambda), rolls the analytics up every ``IDGATE_ANALYTICS_ROLLUP_INTERVAL_SECONDS``
(``PeriodicRollup``, the analytics function's scheduled job under Lambda), and flushes the
token-grant counts every 15 seconds and at shutdown (``PeriodicGrantFlush``). This module
never imports ``local.dev`` (an import-linter contract).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

import anyio.to_thread
import structlog
from fastapi import APIRouter

from functions.admin.app import router as admin_router
from functions.analytics.app import router as analytics_router
from functions.authorize.app import router as authorize_router
from functions.device.app import router as device_router
from functions.token.app import app as token_app
from functions.token.app import endpoints as token_endpoints
from idgate.analytics.grant_counts import FLUSH_SECONDS, flush_grant_counts
from idgate.analytics.rollup import roll_up
from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from idgate.oauth.retention import purge_expired
from idgate.observability.logging import configure_logging
from idgate.process import build_runtime, current_runtime, install_runtime
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.web.app_factory import create_app
from idgate.web.health_routes import health_router, metrics_router


class TokenPathsFirst:
    """Sends the token function's paths (the hot path) to its own ASGI app, as API Gateway
    routes them to its own Lambda function, and everything else to the framework app."""

    def __init__(self, rest: Any) -> None:
        self.rest = rest

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and token_endpoints.match(scope["path"]) is not None:
            await token_app(scope, receive, send)
        elif scope["type"] == "lifespan":
            # One set of jobs per lifespan, not per app: tests run several lifespans of one
            # app, each on its own event loop, at once.
            jobs = (PeriodicPurge(), PeriodicRollup(), PeriodicGrantFlush())
            try:
                await self.rest(scope, _following_lifespan(receive, jobs), send)
            finally:
                for job in jobs:
                    await job.stop()
        else:
            await self.rest(scope, receive, send)


def _following_lifespan(receive: Any, jobs: tuple[PeriodicPurge, ...]) -> Any:
    """``receive``, acting on the lifespan's messages: at start-up it sizes the worker
    threads and starts the background jobs, at shutdown it stops them and flushes the
    token-grant counts."""

    async def receive_and_act() -> dict[str, Any]:
        message: dict[str, Any] = await receive()
        if message["type"] == "lifespan.startup":
            rt = current_runtime()
            _size_worker_threads(rt.settings)
            for job in jobs:
                job.start(rt)
        elif message["type"] == "lifespan.shutdown":
            for job in jobs:
                await job.stop()
            await anyio.to_thread.run_sync(flush_grant_counts, current_runtime())
        return message

    return receive_and_act


def _size_worker_threads(settings: Settings) -> None:
    """Cap the event loop's worker threads (sync FastAPI routes and ``call_core`` alike) at
    the database pool's size instead of anyio's 40: a thread beyond it would only wait for
    a connection (PostgreSQL authcode: 384 -> 426 iterations/s), and at most that many
    password logins hold their 64 MiB of Argon2id memory at once."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(1, settings.db_pool_size + settings.db_max_overflow)


log = structlog.get_logger("idgate.retention")


class PeriodicPurge:
    """The data-lifecycle purge (``idgate.oauth.retention``) every
    ``IDGATE_PURGE_INTERVAL_SECONDS`` (0: never), started and stopped with the ASGI
    lifespan. Each run goes to a worker thread: its deletes must never block the event loop."""

    event = "purged"
    quiet_when_idle = False

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def interval(rt: Runtime) -> float:
        return rt.settings.purge_interval_seconds

    @staticmethod
    def run(rt: Runtime) -> dict[str, int]:
        return purge_expired(rt)

    def start(self, rt: Runtime) -> None:
        interval = self.interval(rt)
        if interval > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._every(rt, interval))

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # A run in its thread finishes its current batches first (threads cannot be
            # interrupted); each batch is a short transaction, so shutdown waits briefly.
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _every(self, rt: Runtime, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                counts = await anyio.to_thread.run_sync(self.run, rt)
            except Exception:
                # A failed run (e.g. the database briefly away) is retried next interval.
                log.exception(f"{self.event}_failed")
            else:
                if any(counts.values()) or not self.quiet_when_idle:
                    log.info(self.event, **counts)


class PeriodicRollup(PeriodicPurge):
    """The analytics rollup (``idgate.analytics.rollup``) every
    ``IDGATE_ANALYTICS_ROLLUP_INTERVAL_SECONDS`` (0: never), as the purge."""

    event = "rolled_up"

    @staticmethod
    def interval(rt: Runtime) -> float:
        return rt.settings.analytics_rollup_interval_seconds

    @staticmethod
    def run(rt: Runtime) -> dict[str, int]:
        return roll_up(rt)


class PeriodicGrantFlush(PeriodicPurge):
    """This process's token-grant counts added to the database every 15 seconds, so a
    quiet server does not hold them until its next grant (``analytics.grant_counts``)."""

    event = "grant_counts_flushed"
    quiet_when_idle = True  # every 15 s: a line only when there was something to flush

    @staticmethod
    def interval(rt: Runtime) -> float:
        return FLUSH_SECONDS

    @staticmethod
    def run(rt: Runtime) -> dict[str, int]:
        return {"rows": flush_grant_counts(rt)}


def build_app(*extra_routers: APIRouter) -> TokenPathsFirst:
    routers = [
        authorize_router,
        device_router,
        admin_router,
        analytics_router,
        health_router,
        metrics_router,
    ]
    app = create_app(*routers, *extra_routers, title="idgate", openapi_url="/api/v1/openapi.json")
    return TokenPathsFirst(app)


def start_runtime(settings: Settings, *, host: str, port: int) -> Runtime:
    """The process's runtime, its public URL defaulting to the address it listens on."""
    if not settings.public_url:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    configure_logging(settings.log_level)
    rt = build_runtime(settings)
    install_runtime(rt)
    return rt


def migrate(rt: Runtime) -> None:
    # Alembic loads here only: a server started by `idgate serve` has migrated already.
    from idgate.storage.migrations import prepare_database

    with scoped(ALL_TENANTS):  # platform-level work; requests get their scope per route
        prepare_database(rt)


def serve(rt: Runtime, app: TokenPathsFirst, *, host: str, port: int) -> None:
    import uvicorn

    database_url = rt.settings.redacted_database_url  # never the password
    print(f"idgate is serving {rt.public_url} (database: {database_url})", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, ws="none")


def main() -> None:
    """``python -m local.server``: the platform alone, as container hosts run it."""
    parser = argparse.ArgumentParser(description="Serve the idgate platform in one process.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--migrate", action="store_true", help="upgrade the schema first")
    args = parser.parse_args()
    rt = start_runtime(Settings(), host=args.host, port=args.port)
    if args.migrate:
        migrate(rt)
    serve(rt, build_app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
