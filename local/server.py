"""The single-process server `idgate serve` runs: every function's router in one app, the
built-in demo relying party, and the health endpoints."""

from __future__ import annotations

from fastapi import FastAPI

from functions.authorize.app import router as authorize_router
from functions.device.app import router as device_router
from functions.token.app import router as token_router
from idgate.runtime import Runtime, install_runtime
from idgate.settings import Settings
from idgate.web.app_factory import create_app
from local.demo_rp import router as demo_rp_router


def build_app() -> FastAPI:
    return create_app(authorize_router, token_router, device_router, demo_rp_router, title="idgate")


def run(*, host: str, port: int) -> None:
    import uvicorn

    from idgate import provisioning
    from local.demo_seed import seed_demo

    settings = Settings()
    if not settings.public_url:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    rt = Runtime(settings)
    install_runtime(rt)
    provisioning.prepare_database(rt)
    seed_demo(rt)
    print(f"idgate is serving {rt.public_url} (database: {settings.database_url})", flush=True)
    uvicorn.run(build_app(), host=host, port=port, log_level="warning", access_log=False)
