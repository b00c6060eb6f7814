"""Grant types of the token endpoint (RFC 6749 §4, RFC 8628 §3.4), one module each, kept in
a registry: the token endpoint dispatches on ``grant_type`` and discovery lists the keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from idgate.clients import Client
from idgate.oauth.grants import authorization_code, client_credentials, device_code, refresh_token
from idgate.runtime import Runtime
from idgate.tenants import Tenant

GrantHandler = Callable[[Runtime, Tenant, Client, Mapping[str, str]], dict[str, Any]]

GRANT_HANDLERS: dict[str, GrantHandler] = {
    module.GRANT_TYPE: module.handle
    for module in (authorization_code, refresh_token, client_credentials, device_code)
}

# Grants whose exchange writes nothing and reads only what each process caches (tenant,
# client, signing key): the HTTP edge may run them without a thread-pool hop even on
# PostgreSQL, where a cache miss then blocks the event loop for one lookup per TTL.
CACHE_SERVED_GRANTS = frozenset({client_credentials.GRANT_TYPE})
