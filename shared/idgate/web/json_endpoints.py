"""A tenant issuer's back-channel JSON endpoints (``/t/{tenant}/...``) as a plain ASGI app.

The token function's endpoints (token, introspection, revocation, userinfo, discovery,
JWKS) are the hot paths, and a framework's routing, request and response objects cost more
than most of them do (``loadtests/profile_request_path.py``). Here a path is matched with one
split and one dictionary lookup, headers and body are read straight from the ASGI messages,
and the answer is JSON the endpoint has already serialized. Errors are rendered as
RFC 6749 §5.2 / RFC 6750 §3 JSON, the same body ``idgate.web.errors`` gives non-browser
clients, with ``Cache-Control: no-store``; nothing ever shows a stack trace.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import structlog

from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.process import current_runtime
from idgate.tenancy.tenants import Tenant
from idgate.web.forms import parse_oauth_form
from idgate.web.request_tenant import request_tenant
from idgate.web.security_headers import SECURITY_HEADERS, transport_headers

log = structlog.get_logger("idgate.errors")

Headers = tuple[tuple[bytes, bytes], ...]
# RFC 6749 §5.1: token responses (and errors, which may echo request details) are not cached.
NO_STORE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
NO_STORE: Headers = tuple((k.lower().encode(), v.encode()) for k, v in NO_STORE_HEADERS.items())
# Larger than any OAuth form a client sends; a body past it is refused unread.
MAX_BODY_BYTES = 64 * 1024
_JSON = (b"content-type", b"application/json")


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, as Starlette's JSONResponse renders it (orjson: 0.1 us for a
    token response where the standard library takes 2.4)."""
    return orjson.dumps(value)


def cached_json_bytes(rt: Runtime, key: Hashable, document: object) -> bytes:
    """``json_bytes(document)`` for a document the core caches (discovery, JWKS): serialized
    once per cached object, so a reload in the core (a new key, a TTL) is served at once."""
    entry = rt.serialized_documents.get(key)
    if entry is not None and entry[0] is document:
        return entry[1]
    body = json_bytes(document)
    rt.serialized_documents[key] = (document, body)
    return body


@dataclass(frozen=True, slots=True)
class JsonAnswer:
    body: bytes
    status: int = 200
    headers: Headers = NO_STORE


@dataclass(frozen=True, slots=True)
class EndpointRequest:
    method: str
    headers: Mapping[bytes, bytes]  # lower-case names (ASGI), the first value of each
    body: bytes

    def header(self, name: bytes) -> str | None:
        value = self.headers.get(name)
        return None if value is None else value.decode("latin-1")

    def form(self) -> dict[str, str]:
        """The OAuth form parameters; a repeated one is an invalid_request (RFC 6749 §3.2)."""
        return parse_oauth_form(self.header(b"content-type") or "", self.body)


Endpoint = Callable[[Runtime, Tenant, EndpointRequest], Awaitable[JsonAnswer]]


@dataclass(frozen=True, slots=True)
class JsonRoute:
    path: str  # the template (``/t/{tenant}/token``): what logs and metrics are labelled by
    endpoint: Endpoint
    methods: frozenset[str]


def error_body(error: str, description: str) -> dict[str, str]:
    """RFC 6749 §5.2's ``error`` and ``error_description``, and the ``message`` the control
    plane's clients read: every JSON error idgate answers has this body."""
    return {"error": error, "error_description": description, "message": description}


def error_answer(status: int, error: str, description: str, headers: Headers = ()) -> JsonAnswer:
    return JsonAnswer(json_bytes(error_body(error, description)), status, (*NO_STORE, *headers))


def _idgate_error_answer(exc: IdgateError) -> JsonAnswer:
    challenge = exc.challenge()
    headers: Headers = ((b"www-authenticate", challenge.encode("latin-1")),) if challenge else ()
    if exc.retry_after is not None:  # a 503 while the database is away (RFC 9110 §10.2.3)
        headers = (*headers, (b"retry-after", str(exc.retry_after).encode()))
    return error_answer(exc.status_code, exc.error, exc.description, headers)


_NOT_FOUND = error_answer(404, "not_found", "Not Found")
_TOO_LARGE = error_answer(413, "invalid_request", "the request body is too large")
_SERVER_ERROR = error_answer(500, "server_error", "an unexpected error occurred")


class _ClientGone(Exception):
    """The client disconnected before its body arrived: nobody will read an answer."""


class _BodyTooLarge(Exception):
    pass


async def _read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class TenantJsonEndpoints:
    """``routes`` maps the path after ``/t/{tenant}/`` to an endpoint and its methods (HEAD
    is served wherever GET is)."""

    def __init__(self, routes: Mapping[str, tuple[Endpoint, Collection[str]]]) -> None:
        self._by_suffix = {
            suffix: JsonRoute(
                f"/t/{{tenant}}/{suffix}",
                endpoint,
                frozenset(methods) | ({"HEAD"} if "GET" in methods else set()),
            )
            for suffix, (endpoint, methods) in routes.items()
        }
        self.routes = tuple(self._by_suffix.values())

    def match(self, path: str) -> tuple[str, JsonRoute] | None:
        """The tenant slug and route for ``path``, or None if it is not one of these."""
        if not path.startswith("/t/"):
            return None
        slug, separator, suffix = path[3:].partition("/")
        route = self._by_suffix.get(suffix)
        if route is None or not slug or not separator:
            return None
        return slug, route

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        matched = self.match(scope["path"])
        if matched is None:
            await _send(send, _NOT_FOUND, head=False)
            return
        slug, route = matched
        # What the request log and metrics label the request with (observability.middleware).
        scope["route"] = route
        scope["path_params"] = {"tenant": slug}
        method = scope["method"]
        try:
            answer = await self._answer(scope, receive, method, slug, route)
        except _ClientGone:
            await _send(send, JsonAnswer(b"", 400, ()), head=False)
            return
        await _send(send, answer, head=method == "HEAD")

    async def _answer(
        self, scope: dict[str, Any], receive: Any, method: str, slug: str, route: JsonRoute
    ) -> JsonAnswer:
        if method not in route.methods:
            allow = ((b"allow", ", ".join(sorted(route.methods)).encode()),)
            return error_answer(405, "method_not_allowed", "Method Not Allowed", allow)
        try:
            body = await _read_body(receive) if method == "POST" else b""
            headers: dict[bytes, bytes] = {}
            for name, value in scope["headers"]:
                headers.setdefault(name, value)
            rt = current_runtime()
            tenant = request_tenant(rt, slug)
            return await route.endpoint(rt, tenant, EndpointRequest(method, headers, body))
        except IdgateError as exc:
            return _idgate_error_answer(exc)
        except _BodyTooLarge:
            return _TOO_LARGE
        except _ClientGone:
            raise
        except Exception:
            log.exception("unhandled error", path=route.path)
            return _SERVER_ERROR


async def _send(send: Any, answer: JsonAnswer, *, head: bool) -> None:
    length = (b"content-length", str(len(answer.body)).encode())
    start = (_JSON, length) if answer.body else (length,)
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [*start, *answer.headers, *SECURITY_HEADERS, *transport_headers()],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else answer.body})
