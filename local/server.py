"""The single-process server `idgate serve` runs: every function's router in one app, the
built-in demo relying party, the health and metrics endpoints, and the dev pages."""

from __future__ import annotations

from fastapi import FastAPI

from functions.admin.app import router as admin_router
from functions.authorize.app import router as authorize_router
from functions.device.app import router as device_router
from functions.token.app import router as token_router
from idgate.observability.health import health_router, metrics_router
from idgate.observability.logging import configure_logging
from idgate.runtime import Runtime, install_runtime
from idgate.settings import Settings
from idgate.web.app_factory import create_app
from local.demo_rp import router as demo_rp_router
from local.dev_pages import router as dev_pages_router


def build_app() -> FastAPI:
    return create_app(
        authorize_router,
        token_router,
        device_router,
        admin_router,
        demo_rp_router,
        health_router,
        metrics_router,
        dev_pages_router,
        title="idgate",
        openapi_url="/api/v1/openapi.json",
    )


def run(*, host: str, port: int, emulate_aws: bool = False) -> None:
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
    rt = Runtime(settings)
    install_runtime(rt)
    try:
        provisioning.prepare_database(rt)
        if emulation is not None:
            check_data_keys_open(rt)
        seed_demo(rt)
        print(f"idgate is serving {rt.public_url} (database: {settings.database_url})", flush=True)
        uvicorn.run(build_app(), host=host, port=port, log_level="warning", access_log=False)
    finally:
        if emulation is not None:
            emulation.stop()
