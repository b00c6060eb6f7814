"""The UserInfo endpoint (OIDC Core §5.3) with bearer tokens (RFC 6750 §2.1): claims of the
signed-in customer, released by the access token's scopes. A missing, expired, revoked or
foreign token is ``invalid_token`` (401 with WWW-Authenticate)."""

from __future__ import annotations

from typing import Any

from idgate.identity.customers import get_customer
from idgate.kernel.errors import InvalidToken
from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import access_token_is_revoked, bearer_token, decode_access_token
from idgate.oidc.claims import claims_for_scope
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


def userinfo(rt: Runtime, tenant: Tenant, *, authorization: str | None) -> dict[str, Any]:
    claims = decode_access_token(rt, tenant, bearer_token(authorization))
    if claims is None or "openid" not in str(claims.get("scope", "")).split():
        raise InvalidToken("the access token is not valid for userinfo")
    if access_token_is_revoked(rt, tenant_id=tenant.id, claims=claims):
        raise InvalidToken("the access token was revoked")
    with database.read(rt.engine) as conn:
        customer = get_customer(conn, tenant.id, claims["sub"])
    if customer is None or customer.disabled:
        raise InvalidToken("the end user is no longer active")
    return {"sub": customer.id, **claims_for_scope(customer, claims["scope"])}
