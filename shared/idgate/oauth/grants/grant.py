"""What a grant module declares: its entry in the grant registry (``idgate.oauth.grants``).

An entry names the grant twice, as the token request's ``grant_type`` (RFC 6749 §4.1.3,
§4.4.2, §6; a URI for an extension grant, §4.5, RFC 8628 §3.4) and as the short name
operators type when registering a client; it carries the handler of the token request and
what a client needs to be registered with the grant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from idgate.kernel.runtime import Runtime
from idgate.oauth.client_model import Client
from idgate.oauth.user_tokens import PreparedTokens
from idgate.tenancy.tenants import Tenant

# A user grant's tokens are signed after its transaction (``oidc.token_endpoint``); a grant
# without an end user answers with the finished response body.
GrantResult = PreparedTokens | dict[str, Any]
GrantHandler = Callable[[Runtime, Tenant, Client, Mapping[str, str]], GrantResult]


@dataclass(frozen=True)
class ClientRequirement:
    """A setting a client must have to be registered with a grant; refused as
    "<grant> needs <needs>", naming ``field`` (the client setting that falls short)."""

    needs: str
    met: Callable[[Client], bool]
    field: str


CONFIDENTIAL_CLIENT = ClientRequirement(
    "a confidential client", lambda c: c.is_confidential, "client_type"
)
# RFC 6749 §3.1.2.2 / OIDC Core §3.1.2.1: the authorization response goes to a
# pre-registered redirect URI, so a grant that starts with one needs at least one.
REDIRECT_URI = ClientRequirement(
    "at least one redirect URI", lambda c: bool(c.redirect_uris), "redirect_uris"
)


@dataclass(frozen=True)
class Grant:
    grant_type: str
    name: str
    handle: GrantHandler
    client_requirements: tuple[ClientRequirement, ...] = ()
    # The exchange writes nothing and reads only what each process caches (tenant, client,
    # signing key): the HTTP edge may run it without a thread-pool hop even on PostgreSQL,
    # where a cache miss then blocks the event loop for one lookup per TTL.
    cache_served: bool = False
