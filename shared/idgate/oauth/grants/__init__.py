"""Grant types of the token endpoint (RFC 6749 §4, RFC 8628 §3.4), one module each, kept in
a registry: the token endpoint dispatches on ``grant_type`` and discovery lists the keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from idgate.kernel.runtime import Runtime
from idgate.oauth.clients import Client
from idgate.oauth.grants import authorization_code, client_credentials, device_code, refresh_token
from idgate.oauth.user_tokens import PreparedTokens
from idgate.tenancy.tenants import Tenant

# A user grant's tokens are signed after its transaction (``oidc.token_endpoint``); a grant
# without an end user answers with the finished response body.
GrantResult = PreparedTokens | dict[str, Any]
GrantHandler = Callable[[Runtime, Tenant, Client, Mapping[str, str]], GrantResult]

GRANT_HANDLERS: dict[str, GrantHandler] = {
    module.GRANT_TYPE: module.handle
    for module in (authorization_code, refresh_token, client_credentials, device_code)
}

# Grants whose exchange writes nothing and reads only what each process caches (tenant,
# client, signing key): the HTTP edge may run them without a thread-pool hop even on
# PostgreSQL, where a cache miss then blocks the event loop for one lookup per TTL.
CACHE_SERVED_GRANTS = frozenset({client_credentials.GRANT_TYPE})
