"""Argon2id password hashing (RFC 9106, argon2-cffi's RFC low-memory profile defaults).

``verify_password`` runs a full verification even for an unknown account, against a dummy
hash, so a failed login takes the same time whether or not the email exists. The dummy hash
is computed on first use, not at import: it costs a full Argon2id hash, and most Lambda
functions never check a password.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher.hash("idgate-timing-equalizer")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    dummy = _dummy_hash()  # on every path, so even a process's first check is uniform
    try:
        return _hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
