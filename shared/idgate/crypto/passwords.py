"""Argon2id password hashing (RFC 9106, argon2-cffi's RFC low-memory profile defaults).

``verify_password`` runs a full verification even for an unknown account, against a dummy
hash, so a failed login takes the same time whether or not the email exists. The hasher and
the dummy hash are made on first use, not at import: the dummy costs a full Argon2id hash
and the argon2 bindings about 10 ms, and most Lambda functions never check a password.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("idgate-timing-equalizer")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    dummy = _dummy_hash()  # on every path, so even a process's first check is uniform
    try:
        return _hasher().verify(password_hash or dummy, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
