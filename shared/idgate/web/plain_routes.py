"""Plain Starlette routes on a FastAPI router, for hot paths that need no dependency
injection (functions/token). FastAPI only records its own APIRoutes in ``scope["route"]``,
so the path template of a plain route is kept here, by endpoint, for the request log and
metrics to label it (``route_path_of``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]

_PATHS: dict[Any, str] = {}


def add_plain_route(router: APIRouter, path: str, endpoint: Endpoint, methods: list[str]) -> None:
    router.routes.append(Route(path, endpoint, methods=methods, include_in_schema=False))
    _PATHS[endpoint] = path


def route_path_of(endpoint: Any) -> str | None:
    return _PATHS.get(endpoint)
