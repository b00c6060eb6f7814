"""Reading OAuth parameters from query strings and form bodies (RFC 6749 §3.1, §3.2): the
first value of each, and the names that were repeated so the caller can refuse them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from idgate.kernel.errors import InvalidRequest

if TYPE_CHECKING:
    from starlette.requests import Request

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# A back-channel OAuth request is a handful of short parameters; more is not a request.
MAX_FORM_FIELDS = 64


def first_values(items: Iterable[tuple[str, object]]) -> tuple[dict[str, str], frozenset[str]]:
    values: dict[str, str] = {}
    repeated: set[str] = set()
    for key, value in items:
        if not isinstance(value, str):
            continue
        if key in values:
            repeated.add(key)
        else:
            values[key] = value
    return values, frozenset(repeated)


def query_params(request: Request) -> tuple[dict[str, str], frozenset[str]]:
    return first_values(request.query_params.multi_items())


def unique_values(items: Iterable[tuple[str, object]]) -> dict[str, str]:
    """The parameters of a back-channel OAuth request; a repeated one is refused (§3.2)."""
    values, repeated = first_values(items)
    if repeated:
        raise InvalidRequest(f"parameter repeated: {', '.join(sorted(repeated))}")
    return values


def parse_oauth_form(content_type: str, body: bytes) -> dict[str, str]:
    """A form-encoded body (anything else carries no parameters, as with Starlette), split
    as the URL standard's urlencoded parser does; a name or value is percent- and
    plus-decoded only when it holds a ``%`` or ``+`` (most token requests hold neither, and
    ``parse_qsl`` was a tenth of a client_credentials request)."""
    if not content_type.startswith(FORM_CONTENT_TYPE):
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequest("the form body is malformed") from exc
    if text.count("&") >= MAX_FORM_FIELDS:
        raise InvalidRequest("the form has too many fields")
    items = []
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if "%" in pair or "+" in pair:
            name, value = unquote_plus(name), unquote_plus(value)
        items.append((name, value))
    return unique_values(items)


async def oauth_form(request: Request) -> dict[str, str]:
    """``parse_oauth_form`` for a route that has a Starlette request (the device function)."""
    return parse_oauth_form(request.headers.get("content-type", ""), await request.body())
