"""Step ``consent`` (OIDC Core §3.1.2.4): the end user must have consented to every
requested scope for this client, before or on this request's consent page; ``prompt=consent``
asks again even so."""

from __future__ import annotations

from idgate.identity.consents import granted_scopes
from idgate.kernel.errors import ConsentRequired
from idgate.oauth.authorize.context import CONTINUE, AuthorizeContext, AuthorizeStep, ask_end_user
from idgate.oauth.authorize.outcomes import NeedsConsent, Outcome


def consent(ctx: AuthorizeContext) -> Outcome | None:
    request = ctx.request
    if ctx.interaction is not None and ctx.interaction.consent_given:
        return CONTINUE
    granted = granted_scopes(
        ctx.conn,
        tenant_id=ctx.tenant.id,
        customer_id=ctx.signed_in.customer_id,
        client_id=request.client.client_id,
    )
    if "consent" not in request.prompt and set(request.scope.split()) <= granted:
        return CONTINUE
    refusal = ConsentRequired("the end user has not consented to this application")
    return ask_end_user(ctx, NeedsConsent, refusal)


STEP = AuthorizeStep("consent", consent)
