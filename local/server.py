"""The single-process server `idgate serve` runs: every function's router in one app, the
health and metrics endpoints, and in local mode the demo relying party and the dev pages.

With IDGATE_ENV=production (container hosts) it serves only the platform: no demo tenant,
no demo relying party, no dev pages."""

from __future__ import annotations

import argparse
from typing import Any

import anyio.to_thread

from functions.admin.app import router as admin_router
from functions.authorize.app import router as authorize_router
from functions.device.app import router as device_router
from functions.token.app import app as token_app
from functions.token.app import endpoints as token_endpoints
from idgate.kernel.settings import Settings
from idgate.observability.logging import configure_logging
from idgate.process import build_runtime, current_runtime, install_runtime
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.web.app_factory import create_app
from idgate.web.health_routes import health_router, metrics_router
from local.demo_rp import router as demo_rp_router
from local.dev_pages import router as dev_pages_router


class TokenPathsFirst:
    """Sends the token function's paths (the hot path) to its own ASGI app, as API Gateway
    routes them to its own Lambda function, and everything else to the framework app."""

    def __init__(self, rest: Any) -> None:
        self.rest = rest

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and token_endpoints.match(scope["path"]) is not None:
            await token_app(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.rest(scope, _sizing_threads_at_startup(receive), send)
        else:
            await self.rest(scope, receive, send)


def _sizing_threads_at_startup(receive: Any) -> Any:
    """At start-up, cap the event loop's worker threads (sync FastAPI routes and
    ``call_core`` alike) at the database pool's size instead of anyio's 40: a thread beyond
    it would only wait for a connection (PostgreSQL authcode: 384 -> 426 iterations/s), and
    at most that many password logins hold their 64 MiB of Argon2id memory at once."""

    async def receive_and_size() -> dict[str, Any]:
        message: dict[str, Any] = await receive()
        if message["type"] == "lifespan.startup":
            settings = current_runtime().settings
            limiter = anyio.to_thread.current_default_thread_limiter()
            limiter.total_tokens = max(1, settings.db_pool_size + settings.db_max_overflow)
        return message

    return receive_and_size


def build_app(*, local_mode: bool = True) -> TokenPathsFirst:
    routers = [
        authorize_router,
        device_router,
        admin_router,
        health_router,
        metrics_router,
    ]
    if local_mode:
        routers += [demo_rp_router, dev_pages_router]
    return TokenPathsFirst(create_app(*routers, title="idgate", openapi_url="/api/v1/openapi.json"))


def run(*, host: str, port: int, emulate_aws: bool = False, migrate: bool = True) -> None:
    """Serve until interrupted. ``migrate=False`` when the caller has migrated already
    (``idgate serve`` does it before it execs this module, so Alembic never loads here)."""
    import uvicorn

    from idgate import provisioning
    from local.demo_seed import seed_demo

    settings = Settings()
    emulation = None
    if emulate_aws:
        from local.aws_emulation import check_data_keys_open, emulate

        settings, emulation = emulate(settings)
    if not settings.public_url:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    configure_logging(settings.log_level)
    local_mode = settings.env == "local"
    rt = build_runtime(settings)
    install_runtime(rt)
    try:
        # Start-up is platform-level work (all tenants); the server itself starts unscoped,
        # so every request gets its scope from its own route (idgate.storage.tenant_scope).
        with scoped(ALL_TENANTS):
            if migrate:
                provisioning.prepare_database(rt)
            if emulation is not None:
                check_data_keys_open(rt)
            if local_mode:
                seed_demo(rt)
        print(f"idgate is serving {rt.public_url} (database: {settings.database_url})", flush=True)
        uvicorn.run(
            build_app(local_mode=local_mode),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            ws="none",
        )
    finally:
        if emulation is not None:
            emulation.stop()


def main() -> None:
    """``python -m local.server``: what ``idgate serve`` execs once it has migrated, so the
    serving process holds neither the CLI's modules nor Alembic (``loadtests``: idle RSS)."""
    parser = argparse.ArgumentParser(description="Serve idgate on an already migrated database.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    run(host=args.host, port=args.port, migrate=False)


if __name__ == "__main__":
    main()
