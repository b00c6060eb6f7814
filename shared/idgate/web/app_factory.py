"""Building a function's FastAPI app and its Lambda handler the same way for every flow."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idgate.observability.logging import ensure_logging
from idgate.observability.middleware import RequestObservability
from idgate.web.errors import install_error_handlers

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Pure ASGI middleware: no per-request task or body buffering on the token path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(*routers: APIRouter, title: str = "idgate", **kwargs: Any) -> FastAPI:
    kwargs.setdefault("openapi_url", None)
    app = FastAPI(title=title, docs_url=None, redoc_url=None, **kwargs)
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestObservability)  # outermost: its timing covers the headers too
    ensure_logging()
    return app


def lambda_handler(app: FastAPI) -> Any:
    from mangum import Mangum

    return Mangum(app, lifespan="off")
