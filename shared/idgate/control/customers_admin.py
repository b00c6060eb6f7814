"""Customer management for organization admins: search with cursor pagination, a customer's
identities, active sessions and subscriptions, disable / enable, session revocation, and
deletion. Revocation ends sessions and revokes token families in the same transaction, so
introspection and refresh fail from the next request on.

Pagination is keyset on the (tenant_id, email) unique index: a page costs the same at
customer 1,000,000 as at customer 1, and an email-prefix search is an index range scan.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select, update

from idgate.audit.hash_chain import record
from idgate.control.customer_identities import customer_identities
from idgate.control.organizations import authorized_organization
from idgate.control.rbac import Operator
from idgate.crypto.digests import b64url
from idgate.identity import customers as customer_rows
from idgate.identity.consents import authorized_applications
from idgate.identity.customers import Customer, create_customer, get_customer, normalize_email
from idgate.identity.sessions import end_customer_sessions, end_session, live_sessions
from idgate.kernel.errors import NotFound, ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import consents, customers, sessions
from idgate.tenancy.tenants import Tenant

MAX_PAGE = 200


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    next_cursor: str | None


@dataclass(frozen=True)
class CustomerDetail:
    customer: Customer
    identities: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)


def _encode_cursor(email: str) -> str:
    return b64url(email.encode())


def _decode_cursor(cursor: str) -> str:
    # validate=True: a lenient decode turns garbage into "" and silently restarts the list.
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        email = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("cursor is not valid", field="cursor") from exc
    if not email:
        raise ValidationFailed("cursor is not valid", field="cursor")
    return email


def list_customers(
    rt: Runtime, operator: Operator, slug: str, *, query: str | None, cursor: str | None, limit: int
) -> CustomerPage:
    limit = max(1, min(limit, MAX_PAGE))
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.customers.read")
        statement = select(customers).where(customers.c.tenant_id == tenant.id)
        if query:
            prefix = normalize_email(query)
            statement = statement.where(
                customers.c.email >= prefix, customers.c.email < prefix + "\uffff"
            )
        if cursor:
            statement = statement.where(customers.c.email > _decode_cursor(cursor))
        rows = conn.execute(statement.order_by(customers.c.email).limit(limit + 1)).all()
    page = [
        Customer(r.id, r.tenant_id, r.email, r.email_verified, r.name, r.disabled)
        for r in rows[:limit]
    ]
    next_cursor = _encode_cursor(page[-1].email) if len(rows) > limit else None
    return CustomerPage(page, next_cursor)


def _customer(conn: Connection, tenant: Tenant, customer_id: str) -> Customer:
    customer = get_customer(conn, tenant.id, customer_id)
    if customer is None:
        raise NotFound("no such customer")
    return customer


def show_customer(rt: Runtime, operator: Operator, slug: str, customer_id: str) -> CustomerDetail:
    now = rt.now()
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.customers.read")
        customer = _customer(conn, tenant, customer_id)
        return CustomerDetail(
            customer=customer,
            identities=customer_identities(conn, customer),
            sessions=[
                asdict(summary)
                for summary in live_sessions(
                    conn, tenant_id=tenant.id, customer_id=customer.id, now=now
                )
            ],
            subscriptions=authorized_applications(
                conn, tenant_id=tenant.id, customer_id=customer.id
            ),
        )


def _revoke_everything(conn: Connection, tenant: Tenant, customer_id: str, now: float) -> int:
    return end_customer_sessions(conn, tenant_id=tenant.id, customer_id=customer_id, now=now)


def revoke_all_sessions(rt: Runtime, operator: Operator, slug: str, customer_id: str) -> int:
    now = rt.now()
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.customers.sessions.revoke")
        customer = _customer(conn, tenant, customer_id)
        ended = _revoke_everything(conn, tenant, customer.id, now)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="customer.sessions_revoked",
            target=customer.id,
            details={"sessions": ended},
            now=now,
        )
    return ended


def revoke_session(
    rt: Runtime, operator: Operator, slug: str, customer_id: str, session_id: str
) -> None:
    now = rt.now()
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.customers.sessions.revoke")
        customer = _customer(conn, tenant, customer_id)
        owned = conn.execute(
            select(sessions.c.id).where(
                sessions.c.id == session_id, sessions.c.customer_id == customer.id
            )
        ).first()
        if owned is None:
            raise NotFound("no such session")
        end_session(conn, tenant_id=tenant.id, session_id=session_id, now=now)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="session.revoked",
            target=customer.id,
            details={"session_id": session_id},
            now=now,
        )


def set_customer_disabled(
    rt: Runtime, operator: Operator, slug: str, customer_id: str, *, disabled: bool
) -> Customer:
    now = rt.now()
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.customers.write")
        customer = _customer(conn, tenant, customer_id)
        conn.execute(
            update(customers).where(customers.c.id == customer.id).values(disabled=disabled)
        )
        if disabled:
            _revoke_everything(conn, tenant, customer.id, now)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="customer.disabled" if disabled else "customer.enabled",
            target=customer.id,
            now=now,
        )
    return Customer(
        customer.id,
        customer.tenant_id,
        customer.email,
        customer.email_verified,
        customer.name,
        disabled,
    )


def delete_customer(rt: Runtime, operator: Operator, slug: str, customer_id: str) -> None:
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.customers.write")
        customer = _customer(conn, tenant, customer_id)
        conn.execute(delete(consents).where(consents.c.customer_id == customer.id))
        customer_rows.delete_customer(
            conn, tenant_id=tenant.id, customer_id=customer.id, now=rt.now()
        )
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="customer.deleted",
            target=customer.id,
            now=rt.now(),
        )


def add_customer(
    rt: Runtime,
    operator: Operator,
    slug: str,
    *,
    email: str,
    password: str | None,
    name: str | None,
) -> Customer:
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.customers.write")
        customer = create_customer(
            conn, tenant_id=tenant.id, email=email, password=password, name=name, now=rt.now()
        )
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="customer.created",
            target=customer.id,
            now=rt.now(),
        )
    return customer
