"""Revoking token families (RFC 7009 §2.1, RFC 9700 §4.14.2): one authorization's tokens
at once, every authorization a browser session granted (RP-initiated logout, a customer's
sessions revoked by an operator), every one of a customer's (a password reset), or
those one application holds for a customer (revoked on the account page).

It sits in the identity context, below ``oauth``, because ending a session must revoke
what the session granted; ``oauth.token_families`` creates the families.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, update

from idgate.storage.tables import token_families


def revoke_family(conn: Connection, *, tenant_id: str, family_id: str, now: float) -> None:
    _revoke_where(conn, token_families.c.id == family_id, tenant_id=tenant_id, now=now)


def revoke_session_families(
    conn: Connection, *, tenant_id: str, session_id: str, now: float
) -> None:
    _revoke_where(conn, token_families.c.session_id == session_id, tenant_id=tenant_id, now=now)


def revoke_customer_families(
    conn: Connection, *, tenant_id: str, customer_id: str, now: float
) -> None:
    """Every family of the customer's: browser ones and those that outlive a session
    (device flow, a client's refresh tokens)."""
    _revoke_where(conn, token_families.c.customer_id == customer_id, tenant_id=tenant_id, now=now)


def revoke_client_families(
    conn: Connection, *, tenant_id: str, customer_id: str, client_id: str, now: float
) -> None:
    """Every family one application holds for the customer (the customer revoked it)."""
    _revoke_where(
        conn,
        (token_families.c.customer_id == customer_id) & (token_families.c.client_id == client_id),
        tenant_id=tenant_id,
        now=now,
    )


def _revoke_where(
    conn: Connection, selects: ColumnElement[bool], *, tenant_id: str, now: float
) -> None:
    # Already revoked families keep their first revocation time.
    conn.execute(
        update(token_families)
        .where(
            selects, token_families.c.tenant_id == tenant_id, token_families.c.revoked_at.is_(None)
        )
        .values(revoked_at=now)
    )
