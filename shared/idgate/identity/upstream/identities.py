"""A customer's linked upstream accounts: listing them (admin API, account page) and
unlinking one, never the customer's last way to sign in (no password and no other linked
account left would lock them out for good)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from idgate.kernel.errors import Conflict, NotFound
from idgate.storage.tables import customers, upstream_connections, upstream_identities


@dataclass(frozen=True)
class LinkedIdentity:
    id: str
    connection_id: str
    provider: str
    subject: str
    email: str | None
    linked_at: float
    last_used_at: float | None


def list_identities(conn: Connection, tenant_id: str, customer_id: str) -> list[LinkedIdentity]:
    """The customer's linked accounts, oldest link first, each with its connection's
    provider type."""
    i, c = upstream_identities.c, upstream_connections.c
    rows = conn.execute(
        select(i.id, i.connection_id, c.provider, i.subject, i.email, i.linked_at, i.last_used_at)
        .join(
            upstream_connections,
            (c.tenant_id == i.tenant_id) & (c.id == i.connection_id),
        )
        .where(i.tenant_id == tenant_id, i.customer_id == customer_id)
        .order_by(i.linked_at, i.id)
    ).all()
    return [LinkedIdentity(**row._mapping) for row in rows]


def _has_password(conn: Connection, tenant_id: str, customer_id: str) -> bool:
    # FOR UPDATE (PostgreSQL; SQLite's writers are serialized anyway): two unlinks of the
    # same customer's last two accounts queue here, so the second sees the first's effect.
    row = conn.execute(
        select(customers.c.password_hash)
        .where(customers.c.tenant_id == tenant_id, customers.c.id == customer_id)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound("no such customer")
    return row.password_hash is not None


def unlink_identity(
    conn: Connection, tenant_id: str, customer_id: str, identity_id: str
) -> LinkedIdentity:
    """Remove one linked account of the customer (with its stored upstream tokens); 409
    when it is their last way to sign in."""
    has_password = _has_password(conn, tenant_id, customer_id)
    linked = list_identities(conn, tenant_id, customer_id)
    identity = next((i for i in linked if i.id == identity_id), None)
    if identity is None:
        raise NotFound("no such linked identity")
    if not has_password and len(linked) == 1:
        raise Conflict(
            "this is the customer's last way to sign in (no password and no other linked "
            "account); set a password or link another account first"
        )
    conn.execute(
        delete(upstream_identities).where(
            upstream_identities.c.tenant_id == tenant_id,
            upstream_identities.c.id == identity_id,
        )
    )
    return identity
