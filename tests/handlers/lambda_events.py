"""Helpers for the handler tests: load the API Gateway HTTP API (payload v2) events in
tests/events, fill their ``{{PLACEHOLDER}}`` values, call a function's Mangum ``handler`` the
way Lambda does, and read the v2 result (status, headers, top-level ``cookies``, body).

The same JSON files work with ``sam local invoke -e tests/events/<name>.json <Function>``;
there the placeholders simply stay literal strings.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from tests.flows import hidden

EVENTS = Path(__file__).resolve().parents[1] / "events"
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
# Values in these fields are application/x-www-form-urlencoded; everywhere else, literal.
_URLENCODED_FIELDS = frozenset({"rawQueryString", "body"})

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _fill(text: str, values: dict[str, str], *, urlencoded: bool) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value given for placeholder {{{{{name}}}}}")
        return quote_plus(values[name]) if urlencoded else values[name]

    return _PLACEHOLDER.sub(replace, text)


def _fill_tree(node: Any, values: dict[str, str], field: str = "") -> Any:
    if isinstance(node, dict):
        return {key: _fill_tree(value, values, key) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill_tree(item, values, field) for item in node]
    if isinstance(node, str):
        return _fill(node, values, urlencoded=field in _URLENCODED_FIELDS)
    return node


def load_event(name: str, **values: str) -> dict[str, Any]:
    """The event ``tests/events/<name>.json`` with every ``{{NAME}}`` replaced by ``values``."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    encoded = bool(event.get("isBase64Encoded")) and bool(event.get("body"))
    if encoded:
        event["body"] = base64.b64decode(event["body"]).decode()
    event = _fill_tree(event, values)
    if encoded:
        event["body"] = base64.b64encode(event["body"].encode()).decode()
    return event


@dataclass(frozen=True)
class Result:
    """A Lambda proxy result of payload format 2.0, as API Gateway would read it."""

    raw: dict[str, Any]

    @property
    def status(self) -> int:
        return int(self.raw["statusCode"])

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.raw.get("headers") or {})

    @property
    def set_cookies(self) -> list[str]:
        return list(self.raw.get("cookies") or [])

    @property
    def cookies(self) -> dict[str, str]:
        """name -> value of every Set-Cookie in the top-level ``cookies`` list."""
        jar: dict[str, str] = {}
        for line in self.set_cookies:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(line)
            jar.update({name: morsel.value for name, morsel in parsed.items()})
        return jar

    def cookie_line(self, name: str) -> str:
        lines = [line for line in self.set_cookies if line.startswith(f"{name}=")]
        assert len(lines) == 1, self.set_cookies
        return lines[0]

    @property
    def text(self) -> str:
        body = self.raw.get("body", "")
        return base64.b64decode(body).decode() if self.raw.get("isBase64Encoded") else body

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def location(self) -> str:
        return self.headers["location"]


def call_like_lambda(handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke the handler as the Lambda runtime does: in a thread with no running event loop
    (pytest-playwright keeps one running in the main thread after the browser tests)."""

    def call() -> dict[str, Any]:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            return dict(handler(event, None))
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def invoke(handler: Handler, event: dict[str, Any]) -> Result:
    return Result(call_like_lambda(handler, event))


@dataclass(frozen=True)
class SignedIn:
    """A browser that has signed in through the authorize function's events."""

    csrf: str
    session: str
    next_location: str


def sign_in_with_events(interaction: str, password: str) -> SignedIn:
    """Show the login page for ``interaction`` and submit it, as two Lambda invocations."""
    from functions.authorize.app import handler

    page = invoke(handler, load_event("login_get", INTERACTION=interaction))
    assert page.status == 200, page.text
    csrf = page.cookies["idgate_csrf"]
    assert hidden(page.text, "csrf_token") == csrf
    submitted = invoke(
        handler,
        load_event("login_post", INTERACTION=interaction, CSRF=csrf, PASSWORD=password),
    )
    assert submitted.status == 302, submitted.text
    return SignedIn(csrf, submitted.cookies["idgate_session"], submitted.location)
