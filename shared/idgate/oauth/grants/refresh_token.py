"""Refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).
A narrower ``scope`` may be requested for the access token (the successor refresh token
keeps the presented one's scope, §6); a wider one is ``invalid_scope``."""

from __future__ import annotations

from collections.abc import Mapping

from idgate.analytics.active_days import note_active_day
from idgate.kernel.errors import InvalidGrant, InvalidRequest, InvalidScope
from idgate.kernel.runtime import Runtime
from idgate.oauth.client_model import Client
from idgate.oauth.grants.grant import Grant
from idgate.oauth.refresh_tokens import rotate_refresh_token
from idgate.oauth.token_families import ReuseDetected, revoke_reused_family
from idgate.oauth.user_tokens import PreparedTokens, prepare_user_tokens
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


def handle(rt: Runtime, tenant: Tenant, client: Client, form: Mapping[str, str]) -> PreparedTokens:
    token = form.get("refresh_token")
    if not token:
        raise InvalidRequest("refresh_token is required")
    now = rt.now()
    try:
        with database.write(rt.engine) as conn:
            grant = rotate_refresh_token(
                conn, tenant_id=tenant.id, token=token, client_id=client.client_id, now=now
            )
            scope = grant.scope
            if form.get("scope"):
                requested = form["scope"].split()
                if not set(requested) <= set(grant.scope.split()):
                    raise InvalidScope("requested scope exceeds the original grant")
                scope = " ".join(dict.fromkeys(requested))
            if grant.customer_id is None:
                raise InvalidGrant("refresh token has no end user")
            note_active_day(rt, conn, tenant_id=tenant.id, customer_id=grant.customer_id, now=now)
            prepared = prepare_user_tokens(
                conn,
                tenant,
                client,
                family_id=grant.family_id,
                customer_id=grant.customer_id,
                scope=scope,
                session_id=grant.session_id,
                auth_time=grant.auth_time,
                nonce=None,
                now=now,
                # RFC 6749 §6: the new refresh token's scope is identical to the presented one.
                refresh_scope=grant.scope,
            )
    except ReuseDetected as reuse:
        raise revoke_reused_family(rt.engine, tenant_id=tenant.id, reuse=reuse, now=now) from None
    return prepared


GRANT = Grant(grant_type="refresh_token", name="refresh_token", handle=handle)
