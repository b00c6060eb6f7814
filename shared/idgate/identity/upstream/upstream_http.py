"""HTTP calls to upstream providers: one pooled client per process, short timeouts, every
destination checked (``destinations``), and every failure turned into ``UpstreamFailed``
with a message fit for the sign-in page (the upstream's own text is logged, never shown)."""

from __future__ import annotations

from typing import Any

import httpx
import structlog

from idgate.identity.upstream.destinations import check_destination
from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime

log = structlog.get_logger("idgate.upstream")
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "idgate"  # GitHub's API refuses requests without one


class UpstreamFailed(IdgateError):
    """The upstream did not answer as it should; ``description`` is for the end user."""

    status_code = 502
    error = "upstream_failed"


def _client(rt: Runtime) -> httpx.Client:
    return rt.resource(
        "upstream_http",
        lambda: httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False),
    )


def call_upstream(
    rt: Runtime, method: str, url: str, *, what: str, **kwargs: Any
) -> httpx.Response:
    """Send the request; ``what`` names it in the end user's message when it fails."""
    check_destination(rt.settings, url)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **kwargs.pop("headers", {})}
    try:
        return _client(rt).request(method, url, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        log.warning("upstream_unreachable", url=url, error=type(exc).__name__)
        raise UpstreamFailed(f"{what} could not be reached. Try again in a moment.") from None


def json_body(response: httpx.Response, *, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        log.warning("upstream_bad_json", url=str(response.url), status=response.status_code)
        raise UpstreamFailed(f"{what} gave an answer idgate could not read.") from None


def get_json(rt: Runtime, url: str, *, what: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = call_upstream(rt, "GET", url, what=what, headers=headers)
    if response.status_code != 200:
        log.warning("upstream_refused", url=url, status=response.status_code)
        raise UpstreamFailed(f"{what} refused the request (HTTP {response.status_code}).")
    return json_body(response, what=what)
