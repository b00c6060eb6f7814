"""The authorization endpoint's decision (OIDC Core §3.1.2.3-3.1.2.5): authenticate the end
user (session, ``prompt``, ``max_age``), obtain consent, then issue the code.

``authorize`` is called for a fresh request and again each time a login or consent step
finishes (with the pending interaction), until it can answer with a redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import Connection

from idgate.identity.consents import granted_scopes, record_consent
from idgate.identity.interactions import (
    Interaction,
    finish_interaction,
    mark_interaction,
    start_interaction,
)
from idgate.identity.sessions import Session
from idgate.kernel.errors import (
    AccessDenied,
    ConsentRequired,
    LoginRequired,
    OAuthError,
    RedirectError,
)
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorization_codes import issue_code
from idgate.oauth.authorization_request import AuthorizationRequest
from idgate.oauth.token_families import create_family
from idgate.storage import database
from idgate.tenancy.tenants import Tenant, issuer_url


@dataclass(frozen=True)
class RedirectTo:
    url: str


@dataclass(frozen=True)
class NeedsLogin:
    interaction_id: str


@dataclass(frozen=True)
class NeedsConsent:
    interaction_id: str


Outcome = RedirectTo | NeedsLogin | NeedsConsent


def authorization_response_url(redirect_uri: str, params: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    if not query:
        return redirect_uri
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"


def error_redirect_url(issuer: str, error: RedirectError) -> str:
    return authorization_response_url(
        error.redirect_uri,
        {
            "error": error.cause.error,
            "error_description": error.cause.description or None,
            "state": error.state,
            "iss": issuer,
        },
    )


def _needs_login(request: AuthorizationRequest, session: Session, fresh: bool, now: float) -> bool:
    if fresh:
        return False
    if "login" in request.prompt:
        return True
    return request.max_age is not None and now - session.auth_time > request.max_age


def authorize(
    rt: Runtime,
    tenant: Tenant,
    request: AuthorizationRequest,
    *,
    session: Session | None,
    interaction: Interaction | None,
) -> Outcome:
    now = rt.now()
    fresh_login = bool(interaction and session and interaction.login_session_id == session.id)
    with database.write(rt.engine) as conn:
        try:
            if session is None or _needs_login(request, session, fresh_login, now):
                if "none" in request.prompt:
                    raise LoginRequired("the end user is not signed in")
                return NeedsLogin(_interaction_id(conn, tenant, request, interaction, now))
            granted = granted_scopes(
                conn,
                tenant_id=tenant.id,
                customer_id=session.customer_id,
                client_id=request.client.client_id,
            )
            consented = interaction is not None and interaction.consent_given
            wanted = set(request.scope.split())
            if not consented and ("consent" in request.prompt or not wanted <= granted):
                if "none" in request.prompt:
                    raise ConsentRequired("the end user has not consented to this application")
                return NeedsConsent(_interaction_id(conn, tenant, request, interaction, now))
        except OAuthError as exc:
            if interaction:
                finish_interaction(conn, interaction.id)
            raise RedirectError(exc, request.redirect_uri, request.state) from None
        family_id = create_family(
            conn,
            tenant_id=tenant.id,
            client_id=request.client.client_id,
            customer_id=session.customer_id,
            session_id=session.id,
            scope=request.scope,
            auth_time=session.auth_time,
            now=now,
        )
        code = issue_code(
            conn,
            tenant_id=tenant.id,
            family_id=family_id,
            client_id=request.client.client_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            nonce=request.nonce,
            now=now,
        )
        if interaction:
            finish_interaction(conn, interaction.id)
    return RedirectTo(
        authorization_response_url(
            request.redirect_uri,
            {
                "code": code,
                "state": request.state,
                "iss": issuer_url(rt, tenant),
            },
        )
    )


def _interaction_id(
    conn: Connection,
    tenant: Tenant,
    request: AuthorizationRequest,
    interaction: Interaction | None,
    now: float,
) -> str:
    if interaction is not None:
        return interaction.id
    return start_interaction(
        conn, tenant_id=tenant.id, kind="authorize", params=request.params, now=now
    )


def decide_consent(
    rt: Runtime,
    tenant: Tenant,
    request: AuthorizationRequest,
    *,
    session: Session,
    interaction: Interaction,
    allow: bool,
) -> Outcome:
    """Record the end user's answer on the consent page, then continue the request."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        if not allow:
            finish_interaction(conn, interaction.id)
            raise RedirectError(
                AccessDenied("the end user denied the request"), request.redirect_uri, request.state
            )
        record_consent(
            conn,
            tenant_id=tenant.id,
            customer_id=session.customer_id,
            client_id=request.client.client_id,
            scopes=set(request.scope.split()),
            now=now,
        )
        mark_interaction(conn, interaction.id, consent_given=True)
    consented = Interaction(
        interaction.id, interaction.kind, interaction.params, interaction.login_session_id, True
    )
    return authorize(rt, tenant, request, session=session, interaction=consented)
