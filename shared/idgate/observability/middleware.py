"""Per-request observability as pure ASGI middleware (no per-request task, no body
buffering: it sits on the token hot path).

For every HTTP request: take the request id (API Gateway's ``requestContext.requestId``
under Lambda, where Mangum puts the event in ``scope["aws.event"]``; else a well-formed
incoming ``X-Request-Id``; else a fresh id), publish it with the client IP (``client_ip``)
in ``request_context``, echo it as ``X-Request-Id``, record the Prometheus request count
and latency by route template, and write one JSON log line.
"""

from __future__ import annotations

import itertools
import re
import secrets
from time import perf_counter
from typing import Any

from idgate.kernel.request_context import RequestContext, current_request
from idgate.observability import metrics
from idgate.observability.logging import log_request

ASGIApp = Any  # the ASGI callable types, kept framework-free
Scope = dict[str, Any]
Message = dict[str, Any]

# A fresh id is this process's random prefix and a counter: unique without a getrandom()
# system call per request (6 % of a PostgreSQL introspection, as a GIL hand-off). A request
# id correlates log lines; it is no secret and grants nothing.
_PROCESS_PREFIX = secrets.token_hex(8)
_SEQUENCE = itertools.count(1)
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"


def request_id_of(scope: Scope) -> str:
    event = scope.get("aws.event")
    if event is not None:
        request_id = (event.get("requestContext") or {}).get("requestId")
        if request_id:
            return str(request_id)
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _VALID_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return f"{_PROCESS_PREFIX}{next(_SEQUENCE):016x}"


def client_ip(scope: Scope) -> str | None:
    """The request's client IP, for both HTTP edges, as the audit log records it and the
    per-IP limits count it: the peer address the ASGI server puts in ``scope["client"]``.

    idgate reads no ``X-Forwarded-For`` itself, as any client can send one. Under Lambda,
    Mangum sets the peer to API Gateway's ``requestContext.http.sourceIp``, the address
    that connected to API Gateway. Under ``idgate serve`` and the container, uvicorn replaces
    the peer with the ``X-Forwarded-For`` entry a trusted proxy added, only when the peer
    is one of ``FORWARDED_ALLOW_IPS`` (uvicorn's setting; loopback by default): behind a
    load balancer elsewhere, set it to the balancer's addresses, or every request seems to
    come from the balancer and shares its limits."""
    client = scope.get("client")
    return client[0] if client else None


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/t/{tenant}/token``), never the raw path."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def _tenant_of(scope: Scope) -> str | None:
    slug = scope.get("path_params", {}).get("tenant")
    return slug[:64] if isinstance(slug, str) else None


class RequestObservability:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        request_id = request_id_of(scope)
        header = (b"x-request-id", request_id.encode("latin-1"))
        status = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = current_request.set(RequestContext(request_id, client_ip(scope), scope["headers"]))
        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            seconds = perf_counter() - start
            route = route_template(scope)
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
            metrics.record_request(route, method, status, seconds)
            log_request(
                request_id=request_id,
                method=method,
                route=route,
                tenant=_tenant_of(scope),
                status=status,
                duration_ms=round(seconds * 1000, 3),
            )
            current_request.reset(token)
