"""``GET {issuer}/upstream/{connection_id}/token``: a protected resource (RFC 6750) that hands
the application the customer's access token at a linked upstream (``identity.upstream.
handoff``). The bearer token must be this tenant's, unexpired, unrevoked, issued to a
customer and carry the ``upstream_token`` scope."""

from __future__ import annotations

from typing import Any

from idgate.identity.customers import get_customer
from idgate.identity.upstream.handoff import hand_over
from idgate.kernel.errors import InsufficientScope, InvalidToken
from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import access_token_is_revoked, bearer_token, decode_access_token
from idgate.oauth.scopes import UPSTREAM_TOKEN_SCOPE
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


def upstream_token(
    rt: Runtime, tenant: Tenant, connection_id: str, *, authorization: str | None
) -> dict[str, Any]:
    claims = decode_access_token(rt, tenant, bearer_token(authorization))
    if claims is None or access_token_is_revoked(rt, tenant_id=tenant.id, claims=claims):
        raise InvalidToken("the access token is not valid")
    if UPSTREAM_TOKEN_SCOPE not in str(claims.get("scope", "")).split():
        raise InsufficientScope(
            f"the access token lacks the '{UPSTREAM_TOKEN_SCOPE}' scope", scope=UPSTREAM_TOKEN_SCOPE
        )
    with database.read(rt.engine) as conn:
        customer = get_customer(conn, tenant.id, str(claims["sub"]))
    if customer is None or customer.disabled:
        raise InvalidToken("the access token was not issued to an active customer")
    handed = hand_over(
        rt,
        tenant_id=tenant.id,
        customer_id=customer.id,
        connection_id=connection_id,
        client_id=str(claims["client_id"]),
    )
    return {
        "connection": handed.connection,
        "provider": handed.provider,
        "access_token": handed.access_token,
        "token_type": "Bearer",
        "expires_at": handed.expires_at,
        "scope": handed.scope,
    }
