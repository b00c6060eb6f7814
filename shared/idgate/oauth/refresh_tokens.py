"""Refresh tokens (RFC 6749 §6, RFC 9700 §4.14.2): opaque, stored as a digest, rotated on
every use. Presenting an already-rotated token is reuse: the whole family is revoked.
Rotation is one conditional UPDATE, so two concurrent uses yield one success."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, select, update

from idgate.crypto.digests import random_token, token_digest
from idgate.errors import InvalidGrant
from idgate.oauth.token_families import ReuseDetected
from idgate.storage.tables import refresh_tokens, token_families


@dataclass(frozen=True)
class RefreshGrant:
    family_id: str
    customer_id: str | None
    session_id: str | None
    scope: str
    auth_time: float | None


def issue_refresh_token(
    conn: Connection,
    *,
    tenant_id: str,
    family_id: str,
    client_id: str,
    scope: str,
    ttl: int,
    now: float,
) -> str:
    token = random_token()
    conn.execute(
        _INSERT,
        {
            "digest": token_digest(token),
            "tenant_id": tenant_id,
            "family_id": family_id,
            "client_id": client_id,
            "scope": scope,
            "created_at": now,
            "expires_at": now + ttl,
        },
    )
    return token


# Built once: on the refresh path, constructing statements cost more than running them.
_INSERT = insert(refresh_tokens)
_LOOKUP = (
    select(
        refresh_tokens,
        token_families.c.customer_id,
        token_families.c.session_id,
        token_families.c.auth_time,
        token_families.c.revoked_at,
    )
    .join(token_families, token_families.c.id == refresh_tokens.c.family_id)
    .where(
        refresh_tokens.c.digest == bindparam("digest"),
        refresh_tokens.c.tenant_id == bindparam("tenant_id"),
    )
)
_MARK_USED = (
    update(refresh_tokens)
    .where(refresh_tokens.c.digest == bindparam("token_digest"), refresh_tokens.c.used_at.is_(None))
    .values(used_at=bindparam("now"))
)


def _lookup(conn: Connection, tenant_id: str, token: str) -> object | None:
    return conn.execute(_LOOKUP, {"digest": token_digest(token), "tenant_id": tenant_id}).first()


def rotate_refresh_token(
    conn: Connection, *, tenant_id: str, token: str, client_id: str, now: float
) -> RefreshGrant:
    """Mark ``token`` used and return its grant; the caller issues the successor."""
    row = _lookup(conn, tenant_id, token)
    if row is None:
        raise InvalidGrant("refresh token is invalid")
    m = row._mapping  # type: ignore[attr-defined]
    if m["client_id"] != client_id:
        raise InvalidGrant("refresh token was issued to another client")
    if m["revoked_at"] is not None:
        raise InvalidGrant("refresh token was revoked")
    if m["used_at"] is not None:
        raise ReuseDetected(m["family_id"], "refresh token was already used")
    if m["expires_at"] <= now:
        raise InvalidGrant("refresh token expired")
    used = conn.execute(_MARK_USED, {"token_digest": m["digest"], "now": now})
    if used.rowcount != 1:
        raise ReuseDetected(m["family_id"], "refresh token was already used")
    return RefreshGrant(
        family_id=m["family_id"],
        customer_id=m["customer_id"],
        session_id=m["session_id"],
        scope=m["scope"],
        auth_time=m["auth_time"],
    )


@dataclass(frozen=True)
class RefreshTokenState:
    family_id: str
    client_id: str
    customer_id: str | None
    scope: str
    created_at: float
    expires_at: float
    active: bool


def refresh_token_state(
    conn: Connection, *, tenant_id: str, token: str, now: float
) -> RefreshTokenState | None:
    row = _lookup(conn, tenant_id, token)
    if row is None:
        return None
    m = row._mapping  # type: ignore[attr-defined]
    active = m["used_at"] is None and m["revoked_at"] is None and m["expires_at"] > now
    return RefreshTokenState(
        family_id=m["family_id"],
        client_id=m["client_id"],
        customer_id=m["customer_id"],
        scope=m["scope"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        active=active,
    )
