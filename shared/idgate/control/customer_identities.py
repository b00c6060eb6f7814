"""A customer's ways to sign in, as organization admins see and manage them: the password
(when set) and the upstream accounts linked to them, and unlinking one of those (never the
last way in: ``identity.upstream.identities``), audited."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, select

from idgate.audit.hash_chain import record
from idgate.control.organizations import authorized_organization
from idgate.control.rbac import Operator
from idgate.identity.customers import Customer, get_customer
from idgate.identity.upstream.identities import list_identities, unlink_identity
from idgate.kernel.errors import NotFound
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers


def customer_identities(conn: Connection, customer: Customer) -> list[dict[str, Any]]:
    """``{"provider": "password", "subject": email}`` when the customer has a password,
    then each linked account ``{id, connection_id, provider, subject, email, linked_at,
    last_used_at}``."""
    has_password = conn.execute(
        select(customers.c.password_hash.isnot(None)).where(customers.c.id == customer.id)
    ).scalar()
    password = [{"provider": "password", "subject": customer.email}] if has_password else []
    linked = list_identities(conn, customer.tenant_id, customer.id)
    return password + [asdict(identity) for identity in linked]


def unlink_customer_identity(
    rt: Runtime, operator: Operator, slug: str, customer_id: str, identity_id: str
) -> None:
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.customers.write")
        customer = get_customer(conn, tenant.id, customer_id)
        if customer is None:
            raise NotFound("no such customer")
        identity = unlink_identity(conn, tenant.id, customer.id, identity_id)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="customer.identity_unlinked",
            target=customer.id,
            details={"identity_id": identity.id, "connection_id": identity.connection_id},
            now=rt.now(),
        )
