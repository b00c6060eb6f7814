"""The token endpoint's OAuth part (RFC 6749 §3.2): authenticate the client, check it may
use the grant, then dispatch to the grant's handler. ``oidc.token_endpoint`` adds the ID
token to what an end user's grant issues. A client network whose requests failed too often
lately is refused first (``oauth.token_failure_limit``)."""

from __future__ import annotations

from collections.abc import Mapping

from idgate.kernel.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.oauth.client_auth import authenticate_client
from idgate.oauth.client_model import Client
from idgate.oauth.grants import GRANT_HANDLERS
from idgate.oauth.grants.grant import GrantResult
from idgate.oauth.token_failure_limit import count_failure, refuse_if_over
from idgate.tenancy.tenants import Tenant


def run_grant(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> tuple[Client, GrantResult]:
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidRequest("grant_type is required")
    handler = GRANT_HANDLERS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantType(f"unsupported grant_type: {grant_type}")
    key = (tenant.id, client_network())
    if key in rt.token_failures:  # only a network that failed lately: one lookup otherwise
        refuse_if_over(rt, key, grant_type)
    try:
        client = authenticate_client(rt, tenant, authorization=authorization, form=form)
        if not client.allows_grant(grant_type):
            raise UnauthorizedClient(f"this client may not use {grant_type}")
        return client, handler(rt, tenant, client, form)
    except (InvalidClient, InvalidGrant):
        count_failure(rt, key)
        raise
