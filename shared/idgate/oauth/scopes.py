"""The scopes this provider knows (RFC 6749 §3.3; OIDC Core §5.4 and §11 for ``profile``,
``email`` and ``offline_access``), ``upstream_token`` (the upstream token handoff of
``oauth.upstream_token_endpoint``) and how the consent pages describe them."""

from __future__ import annotations

UPSTREAM_TOKEN_SCOPE = "upstream_token"  # noqa: S105 - a scope name
DEFAULT_CLIENT_SCOPES = ("openid", "profile", "email", "offline_access")
# A client may ask for ``upstream_token`` only when its scopes name it: it is never a default.
SUPPORTED_SCOPES = (*DEFAULT_CLIENT_SCOPES, UPSTREAM_TOKEN_SCOPE)
SCOPE_DESCRIPTIONS = {
    "openid": "Know who you are",
    "profile": "See your name",
    "email": "See your email address",
    "offline_access": "Stay signed in when you are away",
    UPSTREAM_TOKEN_SCOPE: "Use your linked accounts on your behalf",
}
