"""Consent remembered per customer and application (OIDC Core §3.1.2.4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from idgate.storage.tables import clients, consents


def granted_scopes(
    conn: Connection, *, tenant_id: str, customer_id: str, client_id: str
) -> set[str]:
    scopes = conn.execute(
        select(consents.c.scopes).where(
            consents.c.tenant_id == tenant_id,
            consents.c.customer_id == customer_id,
            consents.c.client_id == client_id,
        )
    ).scalar()
    return set(scopes or ())


def record_consent(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    client_id: str,
    scopes: set[str],
    now: float,
) -> None:
    existing = granted_scopes(
        conn, tenant_id=tenant_id, customer_id=customer_id, client_id=client_id
    )
    merged = sorted(existing | scopes)
    if existing:
        conn.execute(
            update(consents)
            .where(
                consents.c.tenant_id == tenant_id,
                consents.c.customer_id == customer_id,
                consents.c.client_id == client_id,
            )
            .values(scopes=merged, updated_at=now)
        )
    else:
        conn.execute(
            insert(consents).values(
                tenant_id=tenant_id,
                customer_id=customer_id,
                client_id=client_id,
                scopes=merged,
                granted_at=now,
                updated_at=now,
            )
        )


def authorized_applications(
    conn: Connection, *, tenant_id: str, customer_id: str
) -> list[dict[str, Any]]:
    """The customer's consents (the applications they authorized), with the application's
    name (None once it is deleted), oldest first."""
    rows = conn.execute(
        select(
            consents.c.client_id,
            clients.c.name,
            consents.c.scopes,
            consents.c.granted_at,
            consents.c.updated_at,
        )
        .join(
            clients,
            (clients.c.tenant_id == consents.c.tenant_id)
            & (clients.c.client_id == consents.c.client_id),
            isouter=True,
        )
        .where(consents.c.tenant_id == tenant_id, consents.c.customer_id == customer_id)
        .order_by(consents.c.granted_at)
    ).all()
    return [
        {
            "client_id": row.client_id,
            "application": row.name,
            "scopes": list(row.scopes),
            "granted_at": row.granted_at,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]
