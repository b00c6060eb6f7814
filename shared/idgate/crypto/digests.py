"""Digests of bearer artifacts and client secrets, and random token generation.

Codes, refresh tokens, device codes and session ids are high-entropy random values, so a
plain SHA-256 is enough to make a database leak useless (fosite does the same). Client
secrets are keyed with HMAC-SHA256 under a per-deployment pepper derived from the master key
so a stolen table cannot be checked offline; comparison is constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def random_token(nbytes: int = 32) -> str:
    """An unpadded base64url string of ``nbytes`` random bytes (256 bits by default)."""
    return b64url(secrets.token_bytes(nbytes))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def secret_digest(secret: str, pepper: bytes) -> str:
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, digest: str, pepper: bytes) -> bool:
    return hmac.compare_digest(secret_digest(secret, pepper), digest)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
