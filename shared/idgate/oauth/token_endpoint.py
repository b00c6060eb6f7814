"""The token endpoint (RFC 6749 §3.2): authenticate the client, check it may use the grant,
then dispatch to the grant's handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idgate.errors import IdgateError, InvalidRequest, UnauthorizedClient, UnsupportedGrantType
from idgate.oauth.client_auth import authenticate_client
from idgate.oauth.grants import GRANT_HANDLERS
from idgate.observability import metrics
from idgate.runtime import Runtime
from idgate.tenants import Tenant


def exchange(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> dict[str, Any]:
    """Run one token request, counting it as issued or failed (by error code)."""
    grant_type = form.get("grant_type") or ""
    label = grant_type if grant_type in GRANT_HANDLERS else "unsupported"
    try:
        body = _exchange(rt, tenant, authorization=authorization, form=form)
    except IdgateError as exc:
        metrics.grant_failed(label, exc.error)
        raise
    except Exception:
        metrics.grant_failed(label, "server_error")
        raise
    metrics.grant_issued(label)
    return body


def _exchange(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> dict[str, Any]:
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidRequest("grant_type is required")
    handler = GRANT_HANDLERS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantType(f"unsupported grant_type: {grant_type}")
    client = authenticate_client(rt, tenant, authorization=authorization, form=form)
    if not client.allows_grant(grant_type):
        raise UnauthorizedClient(f"this client may not use {grant_type}")
    return handler(rt, tenant, client, form)
