"""The account page's profile: the customer's name (OIDC Core §5.1 ``name``) and email.

A new email is not taken at its word: the customer gets a verification link at the new
address (``identity.account.verification``), and the email changes, verified, only when
the link is used. An address another customer of the organization has gets the same answer
("we sent a link to the new address") and no mail, so the page never tells whether an
address has an account. Each request for a new address counts against the mail limits
(``request_limits``: kind ``change_email``, per new address and per client network).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, update

from idgate.audit.hash_chain import record
from idgate.identity.account.account_holder import AccountRefused, account_holder
from idgate.identity.account.request_limits import count_request
from idgate.identity.account.verification import issue_verification, mail_verification
from idgate.identity.customers import Customer, customer_id_with_email, normalize_email
from idgate.identity.sessions import Session
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers
from idgate.tenancy.tenants import Tenant

MAX_NAME_LENGTH = 200  # customers.name
MAX_EMAIL_LENGTH = 320


@dataclass(frozen=True)
class ProfileChange:
    email_requested: bool  # a new address was asked for: "we sent a link to it"


def _checked_name(name: str) -> str | None:
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_NAME_LENGTH:
        raise AccountRefused(f"Use at most {MAX_NAME_LENGTH} characters for your name.")
    return cleaned or None


def _checked_email(email: str) -> str:
    address = normalize_email(email)
    local, _, domain = address.partition("@")
    if not local or "." not in domain or len(address) > MAX_EMAIL_LENGTH or " " in address:
        raise AccountRefused("Enter a valid email address.")
    return address


def update_profile(
    rt: Runtime, tenant: Tenant, session: Session, *, name: str, email: str
) -> ProfileChange:
    """Save the name; for a new email, mail a verification link to it (after the commit)."""
    new_name, address = _checked_name(name), _checked_email(email)
    now, token = rt.now(), None
    with database.write(rt.engine) as conn:
        customer = account_holder(conn, session)
        if new_name != customer.name:
            _save_name(conn, customer, new_name, now)
        changing = address != customer.email
        if changing:
            token = _request_email(conn, rt, tenant, customer, address, now)
    if token is not None:
        mail_verification(rt, tenant, to=address, name=new_name, token=token)
    return ProfileChange(email_requested=changing)


def _save_name(conn: Connection, customer: Customer, name: str | None, now: float) -> None:
    conn.execute(
        update(customers)
        .where(customers.c.tenant_id == customer.tenant_id, customers.c.id == customer.id)
        .values(name=name)
    )
    record(
        conn,
        tenant_id=customer.tenant_id,
        actor=f"customer:{customer.id}",
        action="customer.profile_updated",
        target=customer.id,
        details={"fields": ["name"]},
        now=now,
    )


def _request_email(
    conn: Connection, rt: Runtime, tenant: Tenant, customer: Customer, address: str, now: float
) -> str | None:
    """Count the request and issue the link to ``address``; None (no mail) when another
    customer has the address."""
    count_request(
        conn,
        rt.settings,
        "change_email",
        tenant_id=tenant.id,
        email=address,
        network=client_network(),
        now=now,
    )
    taken = customer_id_with_email(conn, tenant.id, address) is not None
    record(
        conn,
        tenant_id=tenant.id,
        actor=f"customer:{customer.id}",
        action="customer.email_change_requested",
        target=customer.id,
        now=now,
    )
    return None if taken else issue_verification(conn, tenant, customer, email=address, now=now)
