"""Building a function's FastAPI app and its Lambda handler the same way for every flow."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from idgate.observability.logging import ensure_logging
from idgate.observability.middleware import RequestObservability
from idgate.web.errors import install_error_handlers
from idgate.web.security_headers import SecurityHeaders


def create_app(*routers: APIRouter, title: str = "idgate", **kwargs: Any) -> FastAPI:
    kwargs.setdefault("openapi_url", None)
    app = FastAPI(title=title, docs_url=None, redoc_url=None, **kwargs)
    for router in routers:
        # The OpenAPI document describes the JSON API (/api/v1) only: the one-process server
        # also carries the pages of every flow, which are for browsers, not API clients.
        documented = any(getattr(r, "path", "").startswith("/api/") for r in router.routes)
        app.include_router(router, include_in_schema=documented)
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestObservability)  # outermost: its timing covers the headers too
    ensure_logging()
    return app
