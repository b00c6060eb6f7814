"""Refresh tokens (RFC 6749 §6, RFC 9700 §4.14.2): opaque, stored as a digest, rotated on
every use. Presenting an already-rotated token is reuse: the whole family is revoked.
Rotation is one conditional UPDATE, so two concurrent uses yield one success."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, ScalarSelect, bindparam, exists, insert, select, update

from idgate.crypto.digests import random_token, token_digest
from idgate.kernel.errors import InvalidGrant
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


def _family_column(column: str) -> ScalarSelect[object]:
    return (
        select(token_families.c[column])
        .where(token_families.c.id == refresh_tokens.c.family_id)
        .scalar_subquery()
    )


# The whole rotation in one statement, one round trip: mark the token used only if it is
# this client's, unused, unexpired and its family is not revoked, and return the grant.
# (Parameter names differ from column names: SQLAlchemy reserves those in an UPDATE.)
_ROTATE = (
    update(refresh_tokens)
    .where(
        refresh_tokens.c.digest == bindparam("token_digest"),
        refresh_tokens.c.tenant_id == bindparam("token_tenant"),
        refresh_tokens.c.client_id == bindparam("presenting_client"),
        refresh_tokens.c.used_at.is_(None),
        refresh_tokens.c.expires_at > bindparam("now"),
        # Correlated, so each database looks up the one family by its key.
        exists().where(
            token_families.c.id == refresh_tokens.c.family_id,
            token_families.c.revoked_at.is_(None),
        ),
    )
    .values(used_at=bindparam("rotated_at"))
    .returning(
        refresh_tokens.c.family_id,
        refresh_tokens.c.scope,
        _family_column("customer_id"),
        _family_column("session_id"),
        _family_column("auth_time"),
    )
)


def _lookup(conn: Connection, tenant_id: str, token: str) -> object | None:
    return conn.execute(_LOOKUP, {"digest": token_digest(token), "tenant_id": tenant_id}).first()


def rotate_refresh_token(
    conn: Connection, *, tenant_id: str, token: str, client_id: str, now: float
) -> RefreshGrant:
    """Mark ``token`` used and return its grant; the caller issues the successor."""
    digest = token_digest(token)
    params = {
        "token_digest": digest,
        "token_tenant": tenant_id,
        "presenting_client": client_id,
        "now": now,
        "rotated_at": now,
    }
    rotated = conn.execute(_ROTATE, params).first()
    if rotated is not None:
        family_id, scope, customer_id, session_id, auth_time = rotated
        return RefreshGrant(family_id, customer_id, session_id, scope, auth_time)
    raise _refusal(conn, tenant_id, token, client_id, now)


def _refusal(
    conn: Connection, tenant_id: str, token: str, client_id: str, now: float
) -> InvalidGrant | ReuseDetected:
    """Why the rotation matched nothing, read in the same transaction (a token another
    request rotated first reads as used: reuse)."""
    row = _lookup(conn, tenant_id, token)
    if row is None:
        return InvalidGrant("refresh token is invalid")
    m = row._mapping  # type: ignore[attr-defined]
    if m["client_id"] != client_id:
        return InvalidGrant("refresh token was issued to another client")
    if m["revoked_at"] is not None:
        return InvalidGrant("refresh token was revoked")
    if m["used_at"] is None and m["expires_at"] <= now:
        return InvalidGrant("refresh token expired")
    return ReuseDetected(m["family_id"], "refresh token was already used", "refresh_token")


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
