"""Token introspection (RFC 7662). Only confidential clients of the tenant may introspect
(§2.1 requires authorization; a public client id is no credential). Anything not currently
valid, including garbage, answers ``{"active": false}`` and nothing more (§2.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idgate.kernel.errors import InvalidClient, InvalidRequest
from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import access_token_is_revoked, decode_access_token
from idgate.oauth.refresh_tokens import refresh_token_state
from idgate.oauth.token_failure_limit import authenticate_client_limited
from idgate.storage import database
from idgate.tenancy.tenants import Tenant, issuer_url

INACTIVE: dict[str, Any] = {"active": False}


def introspect(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> dict[str, Any]:
    client = authenticate_client_limited(rt, tenant, authorization=authorization, form=form)
    if not client.is_confidential:
        raise InvalidClient("introspection requires a confidential client")
    token = form.get("token")
    if not token:
        raise InvalidRequest("token is required")
    hint = form.get("token_type_hint")
    # §2.1: the hint only orders the search.
    order = ("refresh", "access") if hint == "refresh_token" else ("access", "refresh")
    for kind in order:
        answer = (
            _introspect_access(rt, tenant, token)
            if kind == "access"
            else _introspect_refresh(rt, tenant, token)
        )
        if answer is not None:
            return answer
    return dict(INACTIVE)


def _introspect_access(rt: Runtime, tenant: Tenant, token: str) -> dict[str, Any] | None:
    if token.count(".") != 2:
        return None
    claims = decode_access_token(rt, tenant, token)
    if claims is None:
        return dict(INACTIVE)
    if access_token_is_revoked(rt, tenant_id=tenant.id, claims=claims):
        return dict(INACTIVE)
    answer = {"active": True, "token_type": "Bearer"}
    answer.update({k: v for k, v in claims.items() if k != "fid"})
    return answer


def _introspect_refresh(rt: Runtime, tenant: Tenant, token: str) -> dict[str, Any] | None:
    if "." in token:
        return None
    with database.read(rt.engine) as conn:
        state = refresh_token_state(conn, tenant_id=tenant.id, token=token, now=rt.now())
    if state is None:
        return None
    if not state.active:
        return dict(INACTIVE)
    answer: dict[str, Any] = {
        "active": True,
        "token_type": "refresh_token",
        "client_id": state.client_id,
        "scope": state.scope,
        "iat": int(state.created_at),
        "exp": int(state.expires_at),
        "iss": issuer_url(rt, tenant),
    }
    if state.customer_id:
        answer["sub"] = state.customer_id
    return answer
