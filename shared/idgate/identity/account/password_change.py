"""Changing the password on the account page (NIST SP 800-63B §5.1.1.2, §6.2): the current
password is required (``reauthentication``), the new one must follow the organization's
rules (``password_rules``), and every other session of the customer's is signed out, with
the tokens those sessions granted; the browser making the change stays signed in. The
customer is mailed a notice (with a reset link, should it not have been them).

Grants that belong to no session (device flow) stay: they are listed, and revocable one by
one, under the authorized applications. A forgotten or stolen password is what the reset
link is for, and that revokes everything.

A customer without a password (signed in through upstream accounts only) sets one here
after a fresh sign-in.
"""

from __future__ import annotations

from sqlalchemy import update

from idgate.audit.hash_chain import record
from idgate.crypto.passwords import hash_password
from idgate.identity.account.account_holder import account_holder
from idgate.identity.account.account_mail import account_link, send_account_mail
from idgate.identity.account.password_rules import check_new_password
from idgate.identity.account.reauthentication import confirm_identity
from idgate.identity.sessions import Session, end_customer_sessions
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers
from idgate.tenancy.tenants import Tenant


def change_password(
    rt: Runtime, tenant: Tenant, session: Session, *, current_password: str, new_password: str
) -> int:
    """Set the new password; the number of other sessions signed out. ``AccountRefused``
    for a wrong current password, ``PasswordRejected`` for a new one breaking a rule."""
    with database.read(rt.engine) as conn:
        customer = account_holder(conn, session)
    confirm_identity(rt, customer, session, current_password)
    check_new_password(new_password, email=customer.email, policy=tenant.policy)
    password_hash = hash_password(new_password)  # slow on purpose: outside the write
    now = rt.now()
    with database.write(rt.engine) as conn:
        conn.execute(
            update(customers)
            .where(customers.c.tenant_id == tenant.id, customers.c.id == customer.id)
            .values(password_hash=password_hash)
        )
        ended = end_customer_sessions(
            conn,
            tenant_id=tenant.id,
            customer_id=customer.id,
            now=now,
            keep=session.id,
            with_families=False,
        )
        record(
            conn,
            tenant_id=tenant.id,
            actor=f"customer:{customer.id}",
            action="customer.password_changed",
            target=customer.id,
            details={"sessions_ended": ended},
            now=now,
        )
    reset_link = account_link(rt, tenant, "password/forgot")
    send_account_mail(rt, tenant, "password_changed", to=customer.email, reset_link=reset_link)
    return ended
