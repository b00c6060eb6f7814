"""Requests to an upstream's token endpoint (RFC 6749 §4.1.3 code exchange with the PKCE
verifier of RFC 7636 §4.5, §6 refresh), authenticating as the upstream's metadata allows
(RFC 8414 §2: ``client_secret_basic`` unless only ``client_secret_post`` is offered).

Always asked for JSON (GitHub answers form-encoded otherwise), and an answer carrying an
``error`` member is an error whatever its status (GitHub answers errors with 200)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import structlog

from idgate.identity.upstream.providers.model import Endpoints, UpstreamTokens
from idgate.identity.upstream.upstream_http import UpstreamFailed, call_upstream, json_body
from idgate.kernel.runtime import Runtime

log = structlog.get_logger("idgate.upstream")


class UpstreamGrantRefused(UpstreamFailed):
    """The upstream refused the code or refresh token (``invalid_grant`` and the like)."""


def token_request(
    rt: Runtime,
    endpoints: Endpoints,
    *,
    client_id: str,
    client_secret: str,
    form: dict[str, str],
    what: str,
) -> UpstreamTokens:
    body = dict(form)
    auth: httpx.BasicAuth | None = None
    if "client_secret_basic" in endpoints.token_auth_methods:
        # RFC 6749 §2.3.1: both halves form-urlencoded before the Basic encoding.
        auth = httpx.BasicAuth(quote(client_id, safe=""), quote(client_secret, safe=""))
    else:
        body |= {"client_id": client_id, "client_secret": client_secret}
    response = call_upstream(rt, "POST", endpoints.token_endpoint, what=what, data=body, auth=auth)
    if response.status_code >= 500:
        log.warning("upstream_unavailable", status=response.status_code)
        raise UpstreamFailed(f"{what} is not available right now. Try again in a moment.")
    answer = json_body(response, what=what)
    if not isinstance(answer, dict) or "error" in answer or response.status_code != 200:
        error = answer.get("error") if isinstance(answer, dict) else None
        log.warning("upstream_token_refused", status=response.status_code, error=error)
        raise UpstreamGrantRefused(f"{what} did not accept the sign-in. Try again.")
    return _tokens(rt, answer, what)


def _tokens(rt: Runtime, answer: dict[str, Any], what: str) -> UpstreamTokens:
    access_token = answer.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise UpstreamFailed(f"{what} sent no access token.")
    expires_in = answer.get("expires_in")
    try:
        expires_at = rt.now() + float(expires_in) if expires_in is not None else None
    except (TypeError, ValueError):
        expires_at = None
    refresh_token = answer.get("refresh_token")
    id_token = answer.get("id_token")
    scope = answer.get("scope")
    return UpstreamTokens(
        access_token=access_token,
        refresh_token=refresh_token if isinstance(refresh_token, str) else None,
        expires_at=expires_at,
        scope=scope if isinstance(scope, str) else None,
        id_token=id_token if isinstance(id_token, str) else None,
    )
