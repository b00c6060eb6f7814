"""The scopes this provider knows (RFC 6749 §3.3; OIDC Core §5.4 and §11 for ``profile``,
``email`` and ``offline_access``) and how the consent pages describe them."""

from __future__ import annotations

SUPPORTED_SCOPES = ("openid", "profile", "email", "offline_access")
SCOPE_DESCRIPTIONS = {
    "openid": "Know who you are",
    "profile": "See your name",
    "email": "See your email address",
    "offline_access": "Stay signed in when you are away",
}
