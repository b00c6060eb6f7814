"""Pending browser interactions: an authorization or device request waiting for the end
user to sign in or consent. The interaction id travels in the URL; only its digest is
stored, and it expires after ten minutes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from idgate.crypto.digests import random_token, token_digest
from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import interactions
from idgate.tenancy.tenants import Tenant

INTERACTION_LIFETIME = 600


@dataclass(frozen=True)
class Interaction:
    id: str
    kind: str
    params: dict[str, Any]
    login_session_id: str | None
    consent_given: bool


def start_interaction(
    conn: Connection, *, tenant_id: str, kind: str, params: dict[str, Any], now: float
) -> str:
    interaction_id = random_token(24)
    conn.execute(
        insert(interactions).values(
            digest=token_digest(interaction_id),
            tenant_id=tenant_id,
            kind=kind,
            params=params,
            consent_given=False,
            expires_at=now + INTERACTION_LIFETIME,
        )
    )
    return interaction_id


def find_interaction(
    conn: Connection, *, tenant_id: str, interaction_id: str, now: float
) -> Interaction | None:
    row = conn.execute(
        select(interactions).where(
            interactions.c.digest == token_digest(interaction_id),
            interactions.c.tenant_id == tenant_id,
            interactions.c.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    m = row._mapping
    return Interaction(
        interaction_id, m["kind"], dict(m["params"]), m["login_session_id"], m["consent_given"]
    )


def pending_interaction_id(
    conn: Connection, *, tenant_id: str, interaction_id: str | None, now: float
) -> str | None:
    """``interaction_id`` while its request is still pending, else None: where a mailed
    link's page may send the customer back to (the application's sign-in)."""
    if not interaction_id:
        return None
    found = find_interaction(conn, tenant_id=tenant_id, interaction_id=interaction_id, now=now)
    return found.id if found else None


def mark_interaction(conn: Connection, interaction_id: str, **values: Any) -> None:
    conn.execute(
        update(interactions)
        .where(interactions.c.digest == token_digest(interaction_id))
        .values(**values)
    )


def finish_interaction(conn: Connection, interaction_id: str) -> None:
    conn.execute(delete(interactions).where(interactions.c.digest == token_digest(interaction_id)))


class InteractionExpired(IdgateError):
    """The sign-in or consent page was left open too long, or its link is not valid."""


def load_interaction(rt: Runtime, tenant: Tenant, interaction_id: str | None) -> Interaction:
    if not interaction_id:
        raise InteractionExpired(
            "This sign-in link is not valid. Start again from the application."
        )
    with database.read(rt.engine) as conn:
        interaction = find_interaction(
            conn, tenant_id=tenant.id, interaction_id=interaction_id, now=rt.now()
        )
    if interaction is None:
        raise InteractionExpired("This sign-in page has expired. Start again from the application.")
    return interaction
