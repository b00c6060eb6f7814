"""Customers (end users) of a tenant, and password sign-in without user enumeration.

Every path that creates or deletes a customer (admin API and CLI, sign-up, upstream
sign-in, account deletion) goes through ``create_customer`` and ``delete_customer``, which
record it for the organization's growth figures (``analytics.events``) in the same
transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from idgate.analytics.events import record_event
from idgate.crypto.passwords import hash_password, verify_password
from idgate.kernel.errors import Conflict, ValidationFailed
from idgate.storage.tables import customers

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Customer:
    id: str
    tenant_id: str
    email: str
    email_verified: bool
    name: str | None
    disabled: bool


def normalize_email(email: str) -> str:
    return email.strip().lower()


def checked_email(email: str) -> str:
    """``email`` normalized; ``ValidationFailed`` when it cannot be an address."""
    address = normalize_email(email)
    if "@" not in address or len(address) > 320:
        raise ValidationFailed("a valid email address is required", field="email")
    return address


def _from_row(row: object) -> Customer:
    m = row._mapping  # type: ignore[attr-defined]
    return Customer(
        id=m["id"],
        tenant_id=m["tenant_id"],
        email=m["email"],
        email_verified=m["email_verified"],
        name=m["name"],
        disabled=m["disabled"],
    )


def create_customer(
    conn: Connection,
    *,
    tenant_id: str,
    email: str,
    password: str | None,
    name: str | None,
    now: float,
    email_verified: bool = True,
    password_hash: str | None = None,
) -> Customer:
    """``password_hash``: one computed before the write transaction (sign-up), so that the
    Argon2id work does not hold SQLite's write lock; else ``password`` is hashed here."""
    email = checked_email(email)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    customer = Customer(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        email=email,
        email_verified=email_verified,
        name=name,
        disabled=False,
    )
    try:
        with conn.begin_nested():
            conn.execute(
                insert(customers).values(
                    **customer.__dict__,
                    password_hash=password_hash or (hash_password(password) if password else None),
                    created_at=now,
                )
            )
    except IntegrityError as exc:
        raise Conflict("a customer with this email already exists") from exc
    record_event(
        conn, tenant_id=tenant_id, kind="customer_created", customer_id=customer.id, now=now
    )
    return customer


def delete_customer(conn: Connection, *, tenant_id: str, customer_id: str, now: float) -> bool:
    """Delete the customer's row (the foreign keys cascade the rest); False if none."""
    deleted = conn.execute(
        delete(customers).where(customers.c.tenant_id == tenant_id, customers.c.id == customer_id)
    ).rowcount
    if deleted:
        record_event(
            conn, tenant_id=tenant_id, kind="customer_deleted", customer_id=customer_id, now=now
        )
    return bool(deleted)


_CUSTOMER_BY_ID = select(customers).where(
    customers.c.tenant_id == bindparam("tenant_id"), customers.c.id == bindparam("customer_id")
)


def get_customer(conn: Connection, tenant_id: str, customer_id: str) -> Customer | None:
    row = conn.execute(
        _CUSTOMER_BY_ID, {"tenant_id": tenant_id, "customer_id": customer_id}
    ).first()
    return _from_row(row) if row else None


def customer_id_with_email(conn: Connection, tenant_id: str, email: str) -> str | None:
    return conn.execute(
        select(customers.c.id).where(
            customers.c.tenant_id == tenant_id, customers.c.email == normalize_email(email)
        )
    ).scalar()


def authenticate_customer(
    conn: Connection, *, tenant_id: str, email: str, password: str
) -> Customer | None:
    """The customer whose password matches, else None. An unknown email, a wrong password
    and a disabled account cost the same Argon2id verification and look the same."""
    row = conn.execute(
        select(customers).where(
            customers.c.tenant_id == tenant_id, customers.c.email == normalize_email(email)
        )
    ).first()
    stored_hash = row._mapping["password_hash"] if row else None
    if not verify_password(password, stored_hash) or row is None:
        return None
    customer = _from_row(row)
    return None if customer.disabled else customer
