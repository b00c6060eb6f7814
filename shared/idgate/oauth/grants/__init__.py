"""The grant registry of the token endpoint (RFC 6749 §4, RFC 8628 §3.4): one module per
grant, each declaring its ``GRANT`` entry (``grants.grant.Grant``). The token endpoint
dispatches on ``grant_type``, client registration resolves the operators' short names and
checks each grant's client requirements, and discovery lists ``grant_types_supported``, all
from this one tuple. A new grant is a module plus one line here."""

from __future__ import annotations

from idgate.oauth.grants import authorization_code, client_credentials, device_code, refresh_token
from idgate.oauth.grants.grant import Grant, GrantHandler

# In this order in discovery and in the "grants must be among ..." message.
GRANTS: tuple[Grant, ...] = (
    authorization_code.GRANT,
    refresh_token.GRANT,
    client_credentials.GRANT,
    device_code.GRANT,
)

GRANTS_BY_NAME: dict[str, Grant] = {grant.name: grant for grant in GRANTS}
GRANT_HANDLERS: dict[str, GrantHandler] = {grant.grant_type: grant.handle for grant in GRANTS}
CACHE_SERVED_GRANTS = frozenset(grant.grant_type for grant in GRANTS if grant.cache_served)
