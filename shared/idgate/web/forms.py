"""Reading OAuth parameters from query strings and form bodies (RFC 6749 §3.1, §3.2): the
first value of each, and the names that were repeated so the caller can refuse them."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from idgate.errors import InvalidRequest


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


async def form_params(request: Request) -> tuple[dict[str, str], frozenset[str]]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return {}, frozenset()
    form = await request.form()
    return first_values(form.multi_items())


async def oauth_form(request: Request) -> dict[str, str]:
    """The form body of a back-channel OAuth request; a repeated parameter is refused."""
    values, repeated = await form_params(request)
    if repeated:
        raise InvalidRequest(f"parameter repeated: {', '.join(sorted(repeated))}")
    return values
