"""Deleting the account from the account page (GDPR Art. 17, the customer's own erasure):
after re-authentication (``reauthentication``: the current password, or a fresh sign-in for
a customer without one), the customer's row is deleted, audited as ``customer.deleted`` by
the customer themselves.

The foreign keys cascade the rest (``storage.tables``: sessions, consents, token families
with their codes and refresh tokens, device codes, linked accounts, account links, monthly
activity, memberships); access tokens die with their families (a token of a missing family
counts as revoked). Deleted here by hand, having no foreign key: the customer's upstream
flows in progress and their email's failed sign-in counter. Kept: the audit chain (it must
not break) and the sign-in events, which hold only an id that now resolves to no one.

The platform tenant's customers are operators: their accounts hold memberships of other
organizations (which row-level security hides from this tenant's transaction), and deleting
one could leave an organization without its owner, so the platform owner removes them.
"""

from __future__ import annotations

from sqlalchemy import delete

from idgate.audit.hash_chain import record
from idgate.identity.account.account_holder import AccountRefused, account_holder
from idgate.identity.account.reauthentication import confirm_identity
from idgate.identity.customers import delete_customer
from idgate.identity.lockout import clear_failures
from idgate.identity.sessions import Session
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import upstream_flows
from idgate.tenancy.tenants import PLATFORM_SLUG, Tenant


def delete_account(rt: Runtime, tenant: Tenant, session: Session, *, current_password: str) -> None:
    if tenant.slug == PLATFORM_SLUG:
        raise AccountRefused(
            "Operator accounts are removed by the platform owner. Ask them to delete yours."
        )
    with database.read(rt.engine) as conn:
        customer = account_holder(conn, session)
    confirm_identity(rt, customer, session, current_password)
    now = rt.now()
    with database.write(rt.engine) as conn:
        conn.execute(
            delete(upstream_flows).where(
                upstream_flows.c.tenant_id == tenant.id,
                upstream_flows.c.customer_id == customer.id,
            )
        )
        clear_failures(conn, tenant_id=tenant.id, email=customer.email)
        delete_customer(conn, tenant_id=tenant.id, customer_id=customer.id, now=now)
        record(
            conn,
            tenant_id=tenant.id,
            actor=f"customer:{customer.id}",
            action="customer.deleted",
            target=customer.id,
            now=now,
        )
