"""Rendering errors, once, for every function (RFC 6749 §5.2, RFC 6750 §3, OIDC Core
§3.1.2.6). Browsers (Accept: text/html) get an HTML page, everything else JSON; nothing
ever shows a stack trace, and a description never carries a secret."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from idgate.kernel.errors import IdgateError, RedirectError
from idgate.oauth.authorize import error_redirect_url
from idgate.process import current_runtime
from idgate.web.json_endpoints import NO_STORE_HEADERS, error_body
from idgate.web.pages import render

log = structlog.get_logger("idgate.errors")


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def error_response(
    request: Request,
    status: int,
    error: str,
    message: str,
    headers: dict[str, str] | None = None,
    fields: list[str] | None = None,
) -> Response:
    if wants_html(request):
        page = render(request, "error.html", status_code=status, error=error, message=message)
        page.headers.update(headers or {})  # a 503's Retry-After, a 405's Allow
        return page
    body: dict[str, Any] = error_body(error, message)
    if fields:
        body["fields"] = fields
    return JSONResponse(
        body,
        status_code=status,
        headers={**NO_STORE_HEADERS, **(headers or {})},
    )


async def _redirect_error(request: Request, exc: Exception) -> Response:
    exc = cast(RedirectError, exc)
    issuer = f"{current_runtime().public_url}/t/{request.path_params.get('tenant', '')}"
    return RedirectResponse(
        error_redirect_url(issuer, exc), status_code=302, headers=NO_STORE_HEADERS
    )


async def _idgate_error(request: Request, exc: Exception) -> Response:
    exc = cast(IdgateError, exc)
    challenge = exc.challenge()
    headers = {"WWW-Authenticate": challenge} if challenge else {}
    if exc.retry_after is not None:  # a 503 while the database is away (RFC 9110 §10.2.3)
        headers["Retry-After"] = str(exc.retry_after)
    field = getattr(exc, "field", None)  # a ValidationFailed's input at fault
    fields = [field] if field else None
    return error_response(request, exc.status_code, exc.error, exc.description, headers, fields)


def _generic_code(status: int) -> str:
    names = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
    return names.get(status, "invalid_request")


def _field_name(error: Mapping[str, Any]) -> str:
    """``organization.slug`` for the location ``("body", "organization", "slug")``; list
    positions stay (``redirect_uris.0``); an absent or unparseable body is ``body``."""
    location = [str(part) for part in error.get("loc", ())]
    if error.get("type") == "json_invalid" or len(location) < 2:
        return "body" if not location or location[0] == "body" else ".".join(location)
    return ".".join(location[1:])


def _problem(error: Mapping[str, Any]) -> str:
    # pydantic's own words ("Field required", "Input should be a valid integer"): they
    # never quote the input, which may be a password, so "input" is deliberately unused.
    if error.get("type") == "json_invalid":
        return "body: not valid JSON"
    return f"{_field_name(error)}: {error.get('msg', 'invalid')}"


async def _validation_error(request: Request, exc: Exception) -> Response:
    """A malformed request names every offending field, in ``message`` for people and in
    ``fields`` for programs."""
    errors = cast(RequestValidationError, exc).errors()
    fields = list(dict.fromkeys(_field_name(e) for e in errors))
    problems = "; ".join(dict.fromkeys(_problem(e) for e in errors))
    message = f"the request is malformed: {problems}" if problems else "the request is malformed"
    return error_response(request, 400, "invalid_request", message, fields=fields)


async def _http_error(request: Request, exc: Exception) -> Response:
    exc = cast(StarletteHTTPException, exc)
    if exc.status_code == 400:
        # The framework's only 400: a body it could not parse (JSON that is not UTF-8, a
        # broken multipart form). A malformed request names its field, as above.
        message = "the request is malformed: body: could not be parsed"
        return error_response(request, 400, "invalid_request", message, fields=["body"])
    return error_response(
        request,
        exc.status_code,
        _generic_code(exc.status_code),
        str(exc.detail),
        dict(exc.headers or {}),
    )


async def _client_disconnected(request: Request, exc: Exception) -> Response:
    # The client went away while its body was read: nobody will see an answer, and it is
    # not a server error (load generators do this at the end of every run).
    return Response(status_code=400)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", path=request.url.path)
    return error_response(request, 500, "server_error", "an unexpected error occurred")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RedirectError, _redirect_error)
    app.add_exception_handler(IdgateError, _idgate_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_disconnected)
    app.add_exception_handler(Exception, _unexpected_error)
