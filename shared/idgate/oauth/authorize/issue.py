"""Step ``issue`` (OIDC Core §3.1.2.5, RFC 6749 §4.1.2): the authorization code, bound to
a new token family, the redirect URI and the PKCE challenge, sent to the redirect URI with
``state`` and ``iss`` (RFC 9207 §2). Always answers, so it is the last step."""

from __future__ import annotations

from idgate.identity.interactions import finish_interaction
from idgate.oauth.authorization_codes import issue_code
from idgate.oauth.authorize.context import AuthorizeContext, AuthorizeStep
from idgate.oauth.authorize.outcomes import Outcome, RedirectTo, authorization_response_url
from idgate.oauth.token_families import create_family
from idgate.tenancy.tenants import issuer_url


def issue(ctx: AuthorizeContext) -> Outcome:
    session, request = ctx.signed_in, ctx.request
    family_id = create_family(
        ctx.conn,
        tenant_id=ctx.tenant.id,
        client_id=request.client.client_id,
        customer_id=session.customer_id,
        session_id=session.id,
        scope=request.scope,
        auth_time=session.auth_time,
        now=ctx.now,
    )
    code = issue_code(
        ctx.conn,
        tenant_id=ctx.tenant.id,
        family_id=family_id,
        client_id=request.client.client_id,
        redirect_uri=request.redirect_uri,
        code_challenge=request.code_challenge,
        nonce=request.nonce,
        now=ctx.now,
    )
    if ctx.interaction:
        finish_interaction(ctx.conn, ctx.interaction.id)
    params = {"code": code, "state": request.state, "iss": issuer_url(ctx.rt, ctx.tenant)}
    return RedirectTo(authorization_response_url(request.redirect_uri, params))


STEP = AuthorizeStep("issue", issue)
