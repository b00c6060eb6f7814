"""Client credentials grant (RFC 6749 §4.4): confidential clients only, no refresh token
(§4.4.3), ``sub`` is the client id (RFC 9068 §2.2). Issuing writes nothing to the database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idgate.kernel.errors import InvalidScope, UnauthorizedClient
from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import AccessTokenSubject, issue_access_token
from idgate.oauth.client_model import Client
from idgate.oauth.grants.grant import CONFIDENTIAL_CLIENT, Grant
from idgate.tenancy.tenants import Tenant

# End-user scopes mean nothing without an end user.
_USER_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})


def handle(rt: Runtime, tenant: Tenant, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    if not client.is_confidential:
        raise UnauthorizedClient("client_credentials requires a confidential client")
    requested = form.get("scope", "").split()
    if any(s in _USER_SCOPES or s not in client.scopes for s in requested):
        raise InvalidScope("scope is not available to client_credentials")
    scope = " ".join(requested)
    subject = AccessTokenSubject(
        subject=client.client_id, client_id=client.client_id, scope=scope, audience=client.audience
    )
    token = issue_access_token(rt, tenant, subject, ttl=client.access_token_ttl, now=rt.now())
    body: dict[str, Any] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": client.access_token_ttl,
    }
    if scope:
        body["scope"] = scope
    return body


GRANT = Grant(
    grant_type="client_credentials",
    name="client_credentials",
    handle=handle,
    client_requirements=(CONFIDENTIAL_CLIENT,),
    cache_served=True,
)
