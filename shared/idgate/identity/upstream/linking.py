"""Linking upstream accounts to customers, and the upstream tokens kept with each link
(AES-256-GCM envelopes under the tenant's data key, bound to tenant, purpose and link).

An upstream account whose verified email belongs to an existing customer is never linked
silently: it waits (``upstream_flows`` at stage ``awaiting_proof``, bound to the pending
sign-in) until that customer proves the account is theirs by signing in another way in the
same sign-in; ``complete_pending_link`` then links it (the authorize decision's
``link_upstream`` step)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update

from idgate.audit.hash_chain import record
from idgate.crypto.digests import random_token, token_digest
from idgate.identity.upstream.providers.model import UpstreamProfile, UpstreamTokens
from idgate.kernel.errors import Conflict
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import open_for_tenant, seal_for_tenant
from idgate.storage.tables import upstream_flows, upstream_identities

PROOF_LIFETIME = 600
PENDING_PURPOSE = "upstream-pending-link"


@dataclass(frozen=True)
class LinkedAccount:
    id: str
    customer_id: str
    connection_id: str


def token_purpose(identity_id: str, kind: str) -> str:
    return f"upstream-{kind}-token|{identity_id}"


def find_link(
    conn: Connection, tenant_id: str, connection_id: str, subject: str
) -> LinkedAccount | None:
    row = conn.execute(
        select(upstream_identities.c.id, upstream_identities.c.customer_id).where(
            upstream_identities.c.tenant_id == tenant_id,
            upstream_identities.c.connection_id == connection_id,
            upstream_identities.c.subject == subject,
        )
    ).first()
    return LinkedAccount(row.id, row.customer_id, connection_id) if row else None


def link_account(
    rt: Runtime,
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    connection_id: str,
    profile: UpstreamProfile,
    tokens: UpstreamTokens,
    now: float,
) -> LinkedAccount:
    taken = conn.execute(
        select(upstream_identities.c.id).where(
            upstream_identities.c.tenant_id == tenant_id,
            upstream_identities.c.customer_id == customer_id,
            upstream_identities.c.connection_id == connection_id,
        )
    ).first()
    if taken is not None:
        raise Conflict("Another account of this provider is already linked. Unlink it first.")
    account = LinkedAccount(str(uuid.uuid4()), customer_id, connection_id)
    conn.execute(
        insert(upstream_identities).values(
            id=account.id,
            tenant_id=tenant_id,
            customer_id=customer_id,
            connection_id=connection_id,
            subject=profile.subject,
            linked_at=now,
        )
    )
    store_tokens(rt, conn, tenant_id, account.id, profile.email, tokens, now)
    record(
        conn,
        tenant_id=tenant_id,
        actor=f"customer:{customer_id}",
        action="customer.identity_linked",
        target=customer_id,
        details={"connection_id": connection_id, "identity_id": account.id},
        now=now,
    )
    return account


def store_tokens(
    rt: Runtime,
    conn: Connection,
    tenant_id: str,
    identity_id: str,
    email: str | None,
    tokens: UpstreamTokens,
    now: float,
) -> None:
    """Keep the newest upstream tokens (a refresh that returns no new refresh token keeps
    the old one, RFC 6749 §6)."""
    values: dict[str, object] = {
        "access_token": _seal(rt, tenant_id, identity_id, "access", tokens.access_token),
        "token_expires_at": tokens.expires_at,
        "token_scope": tokens.scope,
        "last_used_at": now,
        "refresh_lease_until": None,
    }
    if email is not None:
        values["email"] = email
    if tokens.refresh_token:
        values["refresh_token"] = _seal(rt, tenant_id, identity_id, "refresh", tokens.refresh_token)
    conn.execute(
        update(upstream_identities)
        .where(
            upstream_identities.c.tenant_id == tenant_id, upstream_identities.c.id == identity_id
        )
        .values(**values)
    )


def _seal(rt: Runtime, tenant_id: str, identity_id: str, kind: str, token: str) -> bytes:
    return seal_for_tenant(rt, tenant_id, token.encode(), token_purpose(identity_id, kind))


def hold_for_proof(
    rt: Runtime,
    conn: Connection,
    *,
    tenant_id: str,
    connection_id: str,
    interaction_id: str,
    customer_id: str,
    profile: UpstreamProfile,
    tokens: UpstreamTokens,
    now: float,
) -> None:
    """Keep the upstream account until the existing customer proves who they are, at most
    one per pending sign-in."""
    interaction_digest = token_digest(interaction_id)
    _drop_pending(conn, tenant_id, interaction_digest)
    held = {"profile": profile.__dict__, "tokens": tokens.__dict__}
    conn.execute(
        insert(upstream_flows).values(
            state_digest=token_digest(random_token()),
            tenant_id=tenant_id,
            connection_id=connection_id,
            purpose="sign_in",
            stage="awaiting_proof",
            interaction_digest=interaction_digest,
            sealed=seal_for_tenant(rt, tenant_id, orjson.dumps(held), PENDING_PURPOSE),
            customer_id=customer_id,
            browser_digest="",
            nonce="",
            expires_at=now + PROOF_LIFETIME,
        )
    )


def _drop_pending(conn: Connection, tenant_id: str, interaction_digest: str) -> None:
    conn.execute(
        delete(upstream_flows).where(
            upstream_flows.c.tenant_id == tenant_id,
            upstream_flows.c.interaction_digest == interaction_digest,
            upstream_flows.c.stage == "awaiting_proof",
        )
    )


@dataclass(frozen=True)
class PendingLink:
    connection_id: str
    customer_id: str


def pending_link(
    conn: Connection, tenant_id: str, interaction_id: str, now: float
) -> PendingLink | None:
    row = _pending_row(conn, tenant_id, interaction_id, now)
    return PendingLink(row.connection_id, row.customer_id) if row else None


def _pending_row(conn: Connection, tenant_id: str, interaction_id: str, now: float) -> Any:
    return conn.execute(
        select(upstream_flows).where(
            upstream_flows.c.tenant_id == tenant_id,
            upstream_flows.c.interaction_digest == token_digest(interaction_id),
            upstream_flows.c.stage == "awaiting_proof",
            upstream_flows.c.expires_at > now,
        )
    ).first()


def complete_pending_link(
    rt: Runtime,
    conn: Connection,
    *,
    tenant_id: str,
    interaction_id: str,
    customer_id: str,
    now: float,
) -> LinkedAccount | None:
    """Link the account held for this sign-in if ``customer_id`` (who just signed in) is
    the customer it waited for; another customer's sign-in only discards it."""
    row = _pending_row(conn, tenant_id, interaction_id, now)
    if row is None:
        return None
    _drop_pending(conn, tenant_id, token_digest(interaction_id))
    m = row._mapping
    if m["customer_id"] != customer_id:
        return None
    held = orjson.loads(open_for_tenant(rt, tenant_id, m["sealed"], PENDING_PURPOSE))
    profile = UpstreamProfile(**held["profile"])
    if find_link(conn, tenant_id, m["connection_id"], profile.subject) is not None:
        return None  # linked meanwhile (another tab)
    return link_account(
        rt,
        conn,
        tenant_id=tenant_id,
        customer_id=customer_id,
        connection_id=m["connection_id"],
        profile=profile,
        tokens=UpstreamTokens(**held["tokens"]),
        now=now,
    )
