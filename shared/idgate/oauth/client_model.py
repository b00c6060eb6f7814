"""The registered client (RFC 6749 §2, OIDC Registration §2) as the data plane reads it.

A module of its own, below ``clients`` and the grants: every grant handler takes a
``Client``, and the client settings are validated against the grant registry
(``client_registration``), so the record cannot live beside that validation without a
cycle between the grants and the clients.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every client's ID tokens live this long (OIDC Core §2 ``exp``). Here rather than in
# ``oidc.id_token`` because the purge job (``oauth.retention``) needs it too: a retired
# signing key stays published until the tokens it signed, ID tokens included, expire.
ID_TOKEN_TTL = 3600


@dataclass(frozen=True)
class Client:
    id: str
    tenant_id: str
    client_id: str
    name: str
    client_type: str
    secret_digest: str | None
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    id_token_alg: str
    access_token_ttl: int
    refresh_token_ttl: int
    audience: str | None = None

    @property
    def is_confidential(self) -> bool:
        """RFC 6749 §2.1: a client able to keep a secret."""
        return self.client_type == "confidential"

    def allows_grant(self, grant_type: str) -> bool:
        """``grant_type`` is the wire value (a URI for extension grants, RFC 6749 §4.5)."""
        return grant_type in self.grant_types
