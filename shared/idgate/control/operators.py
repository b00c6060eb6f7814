"""Authenticating operators at the admin API: a Bearer access token issued by the platform
tenant for the admin audience, not revoked, for an enabled platform user."""

from __future__ import annotations

from sqlalchemy import Connection, select

from idgate.control.platform import ADMIN_AUDIENCE
from idgate.control.rbac import Operator
from idgate.identity.customers import get_customer
from idgate.kernel.errors import IdgateError, NotAuthenticated, NotFound, TenantUnavailable
from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import access_token_is_revoked, bearer_token, decode_access_token
from idgate.storage import database
from idgate.storage.tables import memberships
from idgate.tenancy.tenants import PLATFORM_SLUG, Tenant, serving_tenant


def load_operator(conn: Connection, platform: Tenant, operator_id: str) -> Operator | None:
    customer = get_customer(conn, platform.id, operator_id)
    if customer is None or customer.disabled:
        return None
    roles = {
        row.tenant_id: row.role
        for row in conn.execute(
            select(memberships.c.tenant_id, memberships.c.role).where(
                memberships.c.operator_id == operator_id
            )
        )
    }
    owner = roles.pop(platform.id, None) == "owner"
    return Operator(id=customer.id, email=customer.email, platform_owner=owner, roles=roles)


def authenticate_operator(rt: Runtime, authorization: str | None) -> Operator:
    try:
        token = bearer_token(authorization)
    except IdgateError as exc:
        raise NotAuthenticated("a Bearer access token from `idgate login` is required") from exc
    try:
        platform = serving_tenant(rt, PLATFORM_SLUG)
    except (NotFound, TenantUnavailable) as exc:  # a database fault stays a 503
        raise NotAuthenticated(
            "the platform is not initialized: run `idgate platform init`"
        ) from exc
    claims = decode_access_token(rt, platform, token)
    audience = claims.get("aud") if claims else None
    if claims is None or ADMIN_AUDIENCE not in (
        audience if isinstance(audience, list) else [audience]
    ):
        raise NotAuthenticated("the access token is not valid for the admin API")
    if access_token_is_revoked(rt, tenant_id=platform.id, claims=claims):
        raise NotAuthenticated("the access token was revoked")
    with database.read(rt.engine) as conn:
        operator = load_operator(conn, platform, claims["sub"])
    if operator is None:
        raise NotAuthenticated("the operator account is disabled")
    return operator
