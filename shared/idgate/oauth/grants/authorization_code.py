"""Authorization code grant, token request (RFC 6749 §4.1.3, RFC 7636 §4.5-4.6)."""

from __future__ import annotations

from collections.abc import Mapping

from idgate.kernel.errors import InvalidRequest
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorization_codes import consume_code
from idgate.oauth.client_model import Client
from idgate.oauth.grants.grant import REDIRECT_URI, Grant
from idgate.oauth.pkce import verify_code_verifier
from idgate.oauth.token_families import ReuseDetected, revoke_reused_family
from idgate.oauth.user_tokens import PreparedTokens, prepare_user_tokens
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


def handle(rt: Runtime, tenant: Tenant, client: Client, form: Mapping[str, str]) -> PreparedTokens:
    code = form.get("code")
    if not code:
        raise InvalidRequest("code is required")
    now = rt.now()
    try:
        with database.write(rt.engine) as conn:
            redeemed = consume_code(
                conn,
                tenant_id=tenant.id,
                code=code,
                client_id=client.client_id,
                redirect_uri=form.get("redirect_uri"),
                now=now,
            )
            verify_code_verifier(form.get("code_verifier"), redeemed.code_challenge)
            prepared = prepare_user_tokens(
                conn,
                tenant,
                client,
                family_id=redeemed.family_id,
                customer_id=redeemed.customer_id,
                scope=redeemed.scope,
                session_id=redeemed.session_id,
                auth_time=redeemed.auth_time,
                nonce=redeemed.nonce,
                now=now,
            )
    except ReuseDetected as reuse:
        raise revoke_reused_family(rt.engine, tenant_id=tenant.id, reuse=reuse, now=now) from None
    return prepared


GRANT = Grant(
    grant_type="authorization_code",
    name="authorization_code",
    handle=handle,
    client_requirements=(REDIRECT_URI,),
)
