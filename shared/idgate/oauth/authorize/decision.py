"""The authorize decision (OIDC Core §3.1.2.3-3.1.2.5) as an ordered list of named steps:
authenticate the end user, step up (re-authenticate) when the request asks, link an
upstream account the end user just proved theirs, obtain consent, issue the code. A later
requirement (acr_values, a second factor) is one more step module and one more entry in
``AUTHORIZE_STEPS``.

``authorize`` is called for a fresh request and again each time a sign-in or consent page
finishes (with the pending interaction), until a step answers with a redirect.
"""

from __future__ import annotations

from typing import NoReturn

from idgate.identity.consents import record_consent
from idgate.identity.interactions import Interaction, finish_interaction, mark_interaction
from idgate.identity.sessions import Session
from idgate.kernel.errors import AccessDenied, OAuthError, RedirectError
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorization_request import AuthorizationRequest
from idgate.oauth.authorize import authenticate, consent, issue, link_upstream, step_up
from idgate.oauth.authorize.context import AuthorizeContext, AuthorizeStep
from idgate.oauth.authorize.outcomes import Outcome
from idgate.storage import database
from idgate.tenancy.tenants import Tenant

AUTHORIZE_STEPS: tuple[AuthorizeStep, ...] = (
    authenticate.STEP,
    step_up.STEP,
    link_upstream.STEP,
    consent.STEP,
    issue.STEP,
)


def authorize(
    rt: Runtime,
    tenant: Tenant,
    request: AuthorizationRequest,
    *,
    session: Session | None,
    interaction: Interaction | None,
) -> Outcome:
    """Run the steps in order until one answers. A step's OAuth error goes to the client's
    redirect URI with ``state`` (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6)."""
    now = rt.now()
    try:
        with database.write(rt.engine) as conn:
            ctx = AuthorizeContext(rt, tenant, request, session, interaction, conn, now)
            for step in AUTHORIZE_STEPS:
                outcome = step.decide(ctx)
                if outcome is not None:
                    return outcome
    except OAuthError as exc:
        redirect_error(rt, request, interaction, exc)
    raise RuntimeError("no authorize step answered; the last one must")


def redirect_error(
    rt: Runtime, request: AuthorizationRequest, interaction: Interaction | None, error: OAuthError
) -> NoReturn:
    """Answer the request with ``error`` at its redirect URI. Its interaction is finished
    first, in a transaction of its own that commits: the request's transaction rolls back
    with the error, and the interaction must not outlive its answer."""
    if interaction is not None:
        with database.write(rt.engine) as conn:
            finish_interaction(conn, interaction.id)
    raise RedirectError(error, request.redirect_uri, request.state) from None


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
    if not allow:
        redirect_error(rt, request, interaction, AccessDenied("the end user denied the request"))
    now = rt.now()
    with database.write(rt.engine) as conn:
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
