"""Proof Key for Code Exchange (RFC 7636), S256 only and mandatory for every client
(RFC 9700 §2.1.1). ``plain`` is refused: it protects nothing when the request leaks."""

from __future__ import annotations

import hashlib
import hmac
import re

from idgate.crypto.digests import b64url
from idgate.kernel.errors import InvalidGrant, InvalidRequest

# RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
# §4.2: S256 challenge is BASE64URL(SHA256(verifier)), 43 characters unpadded.
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def check_code_challenge(challenge: str | None, method: str | None) -> str:
    if not challenge:
        raise InvalidRequest("code_challenge is required (PKCE with S256)")
    if (method or "plain") != "S256":
        raise InvalidRequest("code_challenge_method must be S256")
    if not _CHALLENGE.match(challenge):
        raise InvalidRequest("code_challenge is not a valid S256 challenge")
    return challenge


def verify_code_verifier(verifier: str | None, challenge: str) -> None:
    if not verifier or not _VERIFIER.match(verifier):
        raise InvalidGrant("code_verifier is missing or malformed")
    computed = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    if not hmac.compare_digest(computed, challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge")
