"""Token revocation (RFC 7009). Revoking a refresh token revokes its whole family, and so
every access token issued from it (§2.1 allows and recommends this). An unknown or invalid
token is not an error (§2.2): the answer is 200 either way, so the endpoint reveals nothing.
A token issued to another client is left alone."""

from __future__ import annotations

from collections.abc import Mapping

from idgate.identity.token_family_revocation import revoke_family
from idgate.kernel.errors import InvalidRequest, UnsupportedTokenType
from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import decode_access_token, revoke_access_token
from idgate.oauth.refresh_tokens import refresh_token_state
from idgate.oauth.token_failure_limit import authenticate_client_limited
from idgate.storage import database
from idgate.tenancy.tenants import Tenant

TOKEN_TYPE_HINTS = frozenset({"access_token", "refresh_token"})


def revoke(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> None:
    client = authenticate_client_limited(rt, tenant, authorization=authorization, form=form)
    token = form.get("token")
    if not token:
        raise InvalidRequest("token is required")
    hint = form.get("token_type_hint")
    if hint is not None and hint not in TOKEN_TYPE_HINTS:
        raise UnsupportedTokenType("token_type_hint must be access_token or refresh_token")
    now = rt.now()
    if token.count(".") == 2:
        claims = decode_access_token(rt, tenant, token)
        if claims is not None and claims.get("client_id") == client.client_id:
            with database.write(rt.engine) as conn:
                revoke_access_token(conn, tenant_id=tenant.id, claims=claims)
        return
    with database.write(rt.engine) as conn:
        state = refresh_token_state(conn, tenant_id=tenant.id, token=token, now=now)
        if state is not None and state.client_id == client.client_id:
            revoke_family(conn, tenant_id=tenant.id, family_id=state.family_id, now=now)
