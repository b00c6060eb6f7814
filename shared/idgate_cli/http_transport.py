"""The CLI's HTTP transport: the client it talks through, and every failure as one line.

Whatever goes wrong on the wire (an unreachable server, a timeout, an error body, a
response that is not JSON) becomes a :class:`CliError` whose message fits
``error: <message>``, so no command ever shows an ``httpx`` traceback.

Tests inject their own ``httpx.Client`` (a FastAPI ``TestClient``), a fake sleep and a
fake clock through :data:`hooks`; the other modules read it as ``http_transport.hooks``
(never ``from ... import hooks``) so a test's replacement is seen everywhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx


class CliError(Exception):
    """A failure to report as one line ``error: <message>``."""

    @property
    def message(self) -> str:
        return str(self)


@dataclass
class Hooks:
    """Seams for tests: ``http`` returns the client to use (not closed by the CLI when it
    is injected), ``sleep`` waits between device-flow polls, ``now`` is the wall clock."""

    http: Callable[[], httpx.Client] | None = None
    sleep: Callable[[float], None] = field(default=time.sleep)
    now: Callable[[], float] = field(default=time.time)


hooks = Hooks()


@contextmanager
def http_client() -> Iterator[httpx.Client]:
    """The client for one command: the injected one, else a fresh one closed afterwards."""
    if hooks.http is not None:
        yield hooks.http()
        return
    with httpx.Client(timeout=30.0, headers={"User-Agent": "idgate-cli"}) as client:
        yield client


def normalize_url(url: str) -> str:
    """The server's base URL without a trailing slash; http(s) only."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"--url must be an http:// or https:// URL, not {url!r}")
    return url


def send(
    client: httpx.Client, base_url: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """One request; a network failure names the server rather than the library's error."""
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise CliError(f"cannot reach {base_url}: the request timed out") from None
    except httpx.HTTPError:
        raise CliError(f"cannot reach {base_url}") from None


def parsed_body(response: httpx.Response) -> Any:
    """The JSON body, or None when there is none: error bodies are not always JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def _unexpected(response: httpx.Response) -> str:
    return f"unexpected response from {response.request.url} (HTTP {response.status_code})"


def error_message(response: httpx.Response) -> str:
    """One line from an error response: the API's message, else the OAuth description."""
    body = parsed_body(response)
    if isinstance(body, dict):
        for key in ("message", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return " ".join(value.split())
    return _unexpected(response)


def json_body(response: httpx.Response) -> Any:
    """The JSON body of a success; a server that answers something else is a CliError."""
    body = parsed_body(response)
    if body is None:
        raise CliError(_unexpected(response))
    return body
