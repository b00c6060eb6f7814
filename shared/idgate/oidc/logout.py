"""RP-Initiated Logout 1.0 (§2-§3): end the OP session, revoke its tokens, and return to a
registered ``post_logout_redirect_uri`` with ``state``.

The redirect URI is honoured only when the client is known (from the ``id_token_hint``'s
audience or ``client_id``) and the URI is registered for it, exactly. Without a hint that
names the current session, the end user is asked to confirm (§2: protects against a
third party logging the user out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from idgate.analytics.events import record_event
from idgate.identity.sessions import Session, end_session
from idgate.kernel.errors import AuthorizationRequestRejected
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorize import authorization_response_url
from idgate.oauth.client_model import Client
from idgate.oauth.clients import find_client
from idgate.oidc.id_token import decode_id_token_hint
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


@dataclass(frozen=True)
class LogoutRequest:
    client: Client | None
    post_logout_redirect_uri: str | None
    state: str | None
    hint: dict[str, Any] | None


def parse_logout_request(rt: Runtime, tenant: Tenant, params: Mapping[str, str]) -> LogoutRequest:
    hint = None
    if params.get("id_token_hint"):
        hint = decode_id_token_hint(rt, tenant, params["id_token_hint"])
        if hint is None:
            raise AuthorizationRequestRejected(
                "The id_token_hint is not a valid ID token of this issuer."
            )
    client_id = params.get("client_id")
    if hint is not None:
        audience = hint.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id and client_id not in audiences:
            raise AuthorizationRequestRejected("client_id does not match the id_token_hint.")
        client_id = client_id or audiences[0]
    client = find_client(rt, tenant.id, client_id) if client_id else None
    if client_id and client is None:
        raise AuthorizationRequestRejected("The application is unknown.")
    # An empty value is no value: kept as "", it passed the registration check below and
    # became a redirect to "?state=..." (the logout page again).
    redirect_uri = params.get("post_logout_redirect_uri") or None
    if redirect_uri and (client is None or redirect_uri not in client.post_logout_redirect_uris):
        raise AuthorizationRequestRejected("The post-logout redirect URI is not registered.")
    return LogoutRequest(client, redirect_uri, params.get("state"), hint)


def needs_confirmation(request: LogoutRequest, session: Session | None) -> bool:
    return session is not None and (request.hint is None or request.hint.get("sid") != session.id)


def log_out(
    rt: Runtime, tenant: Tenant, request: LogoutRequest, session: Session | None
) -> str | None:
    """End the session (if any); return where to send the browser, or None for our page."""
    if session is not None:
        now = rt.now()
        with database.write(rt.engine) as conn:
            end_session(conn, tenant_id=tenant.id, session_id=session.id, now=now)
            record_event(
                conn, tenant_id=tenant.id, kind="logout", customer_id=session.customer_id, now=now
            )
    if request.post_logout_redirect_uri is None:
        return None
    return authorization_response_url(request.post_logout_redirect_uri, {"state": request.state})
