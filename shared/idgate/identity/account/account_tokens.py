"""Single-use tokens of the links self-service mails carry (email verification, password
reset, email sign-in) and the 6-digit code an email sign-in mail carries besides its link.

The link token is 256 random bits; only its SHA-256 digest is stored, as for every bearer
artifact. The code has only 10^6 values, so it is worth something only with the token's
public id (which the page that asks for it holds), for a few minutes and a few attempts:
its digest is keyed by the id, and the sixth wrong code burns the token. Using a token is
one conditional UPDATE (``used_at IS NULL AND expires_at > now``), so two requests racing
with the same link cannot both succeed (RFC 6749 §10.5 for codes, applied to links).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, insert, select, update

from idgate.crypto.digests import random_token, token_digest
from idgate.kernel.errors import IdgateError
from idgate.storage.tables import account_tokens

Purpose = Literal["verify_email", "reset_password", "email_sign_in"]

LIFETIMES: dict[str, float] = {
    "verify_email": 24 * 3600.0,
    "reset_password": 30 * 60.0,
    "email_sign_in": 10 * 60.0,
}
MAX_CODE_ATTEMPTS = 5
CODE_INVALID = "This code has expired or was already used. Ask for a new one."
CODE_BURNT = "Too many wrong codes. Ask for a new one."


class LinkInvalid(IdgateError):
    """An expired, used, unknown or tampered link or code: a plain page with a way to ask
    again, whichever it was (the answer does not tell an attacker which)."""

    status_code = 400
    error = "invalid_link"


@dataclass(frozen=True)
class AccountToken:
    id: str
    customer_id: str
    purpose: str
    email: str
    interaction_id: str | None


@dataclass(frozen=True)
class IssuedToken:
    id: str
    token: str  # for the link, shown once
    code: str | None  # the 6-digit code, for email sign-in only


def issue_token(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    purpose: Purpose,
    email: str,
    now: float,
    interaction_id: str | None = None,
) -> IssuedToken:
    """A new token for ``purpose``; earlier unused ones of the same customer and purpose
    stop working, so only the newest mail's link does."""
    conn.execute(
        update(account_tokens)
        .where(
            account_tokens.c.tenant_id == tenant_id,
            account_tokens.c.customer_id == customer_id,
            account_tokens.c.purpose == purpose,
            account_tokens.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token_id, token = str(uuid.uuid4()), random_token()
    code = f"{secrets.randbelow(10**6):06d}" if purpose == "email_sign_in" else None
    conn.execute(
        insert(account_tokens).values(
            id=token_id,
            tenant_id=tenant_id,
            customer_id=customer_id,
            purpose=purpose,
            digest=token_digest(token),
            code_digest=_code_digest(token_id, code) if code else None,
            attempts=0,
            email=email,
            interaction_id=interaction_id,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    return IssuedToken(token_id, token, code)


def use_token(
    conn: Connection, *, tenant_id: str, purpose: Purpose, token: str, now: float
) -> AccountToken:
    """The token's facts, once: it is used by this call. ``LinkInvalid`` otherwise."""
    row = conn.execute(
        select(account_tokens).where(
            account_tokens.c.tenant_id == tenant_id,
            account_tokens.c.digest == token_digest(token),
            account_tokens.c.purpose == purpose,
        )
    ).first()
    if row is None or not _mark_used(conn, row.id, now):
        raise LinkInvalid(_INVALID[purpose])
    return _from_row(row)


def peek_token(
    conn: Connection, *, tenant_id: str, purpose: Purpose, token: str, now: float
) -> AccountToken:
    """The facts of a token that is still usable, without using it (a page showing the
    form the token's POST will use)."""
    row = conn.execute(
        select(account_tokens).where(
            account_tokens.c.tenant_id == tenant_id,
            account_tokens.c.digest == token_digest(token),
            account_tokens.c.purpose == purpose,
            account_tokens.c.used_at.is_(None),
            account_tokens.c.expires_at > now,
        )
    ).first()
    if row is None:
        raise LinkInvalid(_INVALID[purpose])
    return _from_row(row)


def use_code(
    conn: Connection, *, tenant_id: str, token_id: str, code: str, now: float
) -> AccountToken:
    """The email sign-in token ``token_id``, used, when ``code`` is its code; each wrong
    code counts, and the fifth burns the token. ``LinkInvalid`` otherwise."""
    row = conn.execute(
        select(account_tokens).where(
            account_tokens.c.tenant_id == tenant_id,
            account_tokens.c.id == token_id,
            account_tokens.c.purpose == "email_sign_in",
            account_tokens.c.used_at.is_(None),
            account_tokens.c.expires_at > now,
        )
    ).first()
    if row is None or row.code_digest is None:
        raise LinkInvalid(CODE_INVALID)
    if not hmac.compare_digest(_code_digest(row.id, code.strip()), row.code_digest):
        attempts = row.attempts + 1
        burnt = now if attempts >= MAX_CODE_ATTEMPTS else None
        conn.execute(
            update(account_tokens)
            .where(account_tokens.c.id == row.id)
            .values(attempts=attempts, used_at=burnt)
        )
        if burnt is not None:
            raise LinkInvalid(CODE_BURNT)
        raise WrongCode(MAX_CODE_ATTEMPTS - attempts)
    if not _mark_used(conn, row.id, now):
        raise LinkInvalid(CODE_INVALID)
    return _from_row(row)


class WrongCode(IdgateError):
    """A wrong email sign-in code with attempts left: the page asks again."""

    status_code = 400
    error = "wrong_code"

    def __init__(self, attempts_left: int) -> None:
        plural = "s" if attempts_left != 1 else ""
        super().__init__(f"That code is not right. {attempts_left} attempt{plural} left.")
        self.attempts_left = attempts_left


def _mark_used(conn: Connection, token_id: str, now: float) -> bool:
    used = conn.execute(
        update(account_tokens)
        .where(
            account_tokens.c.id == token_id,
            account_tokens.c.used_at.is_(None),
            account_tokens.c.expires_at > now,
        )
        .values(used_at=now)
    )
    return used.rowcount == 1


def _code_digest(token_id: str, code: str) -> str:
    return hashlib.sha256(f"{token_id}:{code}".encode()).hexdigest()


def _from_row(row: object) -> AccountToken:
    m = row._mapping  # type: ignore[attr-defined]
    return AccountToken(
        id=m["id"],
        customer_id=m["customer_id"],
        purpose=m["purpose"],
        email=m["email"],
        interaction_id=m["interaction_id"],
    )


_INVALID: dict[str, str] = {
    "verify_email": "This verification link has expired or was already used.",
    "reset_password": "This password reset link has expired or was already used.",
    "email_sign_in": "This sign-in link has expired or was already used.",
}
