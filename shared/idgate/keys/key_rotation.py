"""Rotating a tenant's signing keys: publish, switch, retire (OIDC Core §10.1.1, RFC 7517).

A rotation makes a new key for every algorithm the tenant signs with and publishes it in
the JWKS at once, as ``next``; it signs from ``activates_at`` (now plus
``IDGATE_KEY_ROTATION_DELAY_SECONDS``), when the first process to load the tenant's key
promotes it and the key it replaces becomes ``retired`` (``signing_keys.promote_next_key``).
The delay is what makes the switch safe: other processes serve a key set they cached before
the rotation, and relying parties cache the JWKS answer too, so a key must be published
for longer than both before anything is signed with it.

A retired key stays in the JWKS, and verifies, until every token it signed has expired:
the purge job (``purge_retired_keys``) removes it once the longest token lifetime, plus the
time other processes may still sign with their cached copy of it, has passed since it
retired. Tokens issued before a rotation therefore keep validating.

An immediate rotation is for a compromised key: the new keys sign at once and every
earlier key of the tenant is withdrawn (out of the JWKS and of verification), so every
token they signed stops validating; other processes follow within their cache TTL, and
relying parties that cached the JWKS cannot verify the new tokens until they fetch it again
(most do so on meeting an unknown ``kid``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, RowMapping, delete, insert, select

from idgate.kernel.errors import Conflict
from idgate.kernel.runtime import Runtime
from idgate.keys.signing_keys import (
    ACCESS_TOKEN_ALG,
    CURRENT,
    ID_TOKEN_DEFAULT_ALG,
    NEXT,
    RETIRED,
    GeneratedKey,
    generate_key,
    promote_next_key,
    signing_key,
)
from idgate.storage import database
from idgate.storage.tables import signing_keys, tenants

# Relying parties accept a token for a while past its ``exp`` to allow for clock skew
# (commonly up to 5 minutes, e.g. .NET's default ClockSkew): a retired key stays for it.
RELYING_PARTY_LEEWAY = 300.0


@dataclass(frozen=True)
class KeyInfo:
    """A signing key as operators see it: never private material."""

    kid: str
    alg: str
    status: str
    created_at: float
    activates_at: float | None
    retired_at: float | None


@dataclass(frozen=True)
class Rotation:
    keys: list[KeyInfo]  # the new keys, one per algorithm
    activates_at: float  # when they sign (now, for an immediate rotation)
    immediate: bool
    withdrawn: list[str]  # kids withdrawn at once (immediate rotations only)


def _info(row: RowMapping) -> KeyInfo:
    return KeyInfo(
        row["kid"],
        row["alg"],
        row["status"],
        row["created_at"],
        row["activates_at"],
        row["retired_at"],
    )


def list_keys(conn: Connection, tenant_id: str) -> list[KeyInfo]:
    query = (
        select(signing_keys)
        .where(signing_keys.c.tenant_id == tenant_id)
        .order_by(signing_keys.c.created_at, signing_keys.c.kid)
    )
    return [_info(row) for row in conn.execute(query).mappings()]


def prepare_rotation(rt: Runtime, tenant_id: str) -> list[GeneratedKey]:
    """A new key for every algorithm the tenant signs with, generated before the
    transaction that stores them (an RSA key takes tens of milliseconds: not while holding
    the write lock). The ID-token and access-token keys are made first if the tenant has
    none yet, as serving its JWKS would."""
    signing_key(rt, tenant_id, ID_TOKEN_DEFAULT_ALG)
    signing_key(rt, tenant_id, ACCESS_TOKEN_ALG)
    query = select(signing_keys.c.alg).where(
        signing_keys.c.tenant_id == tenant_id, signing_keys.c.status == CURRENT
    )
    with database.read(rt.engine) as conn:
        algs = sorted(set(conn.execute(query).scalars()))
    return [generate_key(rt, tenant_id, alg) for alg in algs]


def store_rotation(
    rt: Runtime, conn: Connection, tenant_id: str, new: list[GeneratedKey], *, immediate: bool
) -> Rotation:
    """Store the prepared keys in the caller's transaction: as next keys, or (immediate)
    as current ones replacing every earlier key. One rotation at a time: a pending one is a
    conflict (an immediate rotation replaces it)."""
    # Serializes rotations of one tenant (FOR UPDATE; SQLite's write lock does it there).
    conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id).with_for_update())
    now = rt.now()
    if immediate:
        withdrawn = _withdraw_all(conn, tenant_id)
        return Rotation(_insert(conn, tenant_id, new, CURRENT, now, now), now, True, withdrawn)
    _refuse_if_pending(conn, tenant_id)
    activates_at = now + rt.settings.key_rotation_delay_seconds
    return Rotation(_insert(conn, tenant_id, new, NEXT, now, activates_at), activates_at, False, [])


def _refuse_if_pending(conn: Connection, tenant_id: str) -> None:
    query = select(signing_keys.c.kid, signing_keys.c.activates_at).where(
        signing_keys.c.tenant_id == tenant_id, signing_keys.c.status == NEXT
    )
    pending = conn.execute(query).first()
    if pending is not None:
        when = datetime.fromtimestamp(pending.activates_at or 0.0, UTC)
        raise Conflict(
            f"a rotation is already pending: key {pending.kid} signs from "
            f"{when:%Y-%m-%d %H:%M:%S} UTC; rotate immediately to replace every key now"
        )


def _withdraw_all(conn: Connection, tenant_id: str) -> list[str]:
    query = select(signing_keys.c.kid).where(signing_keys.c.tenant_id == tenant_id)
    kids = sorted(conn.execute(query).scalars())
    conn.execute(delete(signing_keys).where(signing_keys.c.tenant_id == tenant_id))
    return kids


def _insert(
    conn: Connection,
    tenant_id: str,
    new: list[GeneratedKey],
    status: str,
    now: float,
    activates_at: float,
) -> list[KeyInfo]:
    infos = [KeyInfo(g.key.kid, g.key.alg, status, now, activates_at, None) for g in new]
    conn.execute(
        insert(signing_keys),
        [
            {
                "kid": generated.key.kid,
                "tenant_id": tenant_id,
                "alg": generated.key.alg,
                "status": status,
                "private_key": generated.sealed,
                "public_jwk": generated.key.public_jwk,
                "created_at": now,
                "activates_at": activates_at,
            }
            for generated in new
        ],
    )
    return infos


def forget_rotated_keys(rt: Runtime, tenant_id: str, rotation: Rotation) -> None:
    """After the rotation committed, this process serves the new key set at once (the
    serialized JWKS follows: it is kept per cached document) and, when keys were
    withdrawn, neither signs nor accepts anything with them."""
    rt.cache.invalidate(("jwks", tenant_id))
    if not rotation.immediate:
        return
    for key in rotation.keys:
        rt.cache.invalidate(("signing_key", tenant_id, key.alg))
    _forget_verification_keys(rt, tenant_id, rotation.withdrawn)
    rt.verified_tokens.clear()  # access tokens verified with a withdrawn key


def _forget_verification_keys(rt: Runtime, tenant_id: str, kids: Collection[str]) -> None:
    for kid in kids:
        rt.cache.invalidate(("verification_key", tenant_id, kid))


def promote_due_keys(rt: Runtime, tenant_id: str | None = None) -> int:
    """Promote every next key whose time has come (of one tenant, or of all for the purge
    job), so statuses are current even for a tenant that has not signed since."""
    key = signing_keys.c
    query = select(key.tenant_id, key.alg, key.kid, key.activates_at).where(
        key.status == NEXT, key.activates_at <= rt.now()
    )
    if tenant_id is not None:
        query = query.where(key.tenant_id == tenant_id)
    with database.read(rt.engine) as conn:
        due = list(conn.execute(query.order_by(key.activates_at)))
    newest = {(row.tenant_id, row.alg): row for row in due}  # the latest due one wins
    for (tenant, alg), row in newest.items():
        promote_next_key(rt, tenant, alg, kid=row.kid, at=row.activates_at)
        rt.cache.invalidate(("signing_key", tenant, alg))
    return len(newest)


def purge_retired_keys(rt: Runtime, *, longest_token_ttl: float) -> int:
    """Delete the retired keys no unexpired token can carry any more. A key retired at
    ``retired_at`` may still sign in processes that cached it for up to the cache TTL, each
    token then lives at most ``longest_token_ttl``, and relying parties allow some leeway."""
    grace = rt.settings.cache_ttl_seconds + longest_token_ttl + RELYING_PARTY_LEEWAY
    key = signing_keys.c
    over = (key.status == RETIRED) & (key.retired_at <= rt.now() - grace)
    with database.write(rt.engine) as conn:
        gone = list(conn.execute(select(key.tenant_id, key.kid).where(over)))
        if gone:
            conn.execute(delete(signing_keys).where(over))
    for tenant in {row.tenant_id for row in gone}:
        rt.cache.invalidate(("jwks", tenant))
        _forget_verification_keys(rt, tenant, [row.kid for row in gone if row.tenant_id == tenant])
    return len(gone)
