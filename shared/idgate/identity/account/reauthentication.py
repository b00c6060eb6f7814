"""Proving again who is at the keyboard before a change that a stolen session must not make
(NIST SP 800-63B §6.2, "re-authentication"): changing the password and deleting the
account.

A customer with a password types it again. A customer without one (signed in only through
upstream accounts) has nothing to type: their session must come from a sign-in at most
``FRESH_SIGN_IN_SECONDS`` ago (``auth_time``), else the page asks them to sign in again,
the way OIDC's ``max_age`` does. A wrong password counts against the email's sign-in
lockout (``identity.lockout``), so a stolen session cannot guess the password here faster
than on the sign-in page.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from idgate.audit.hash_chain import record
from idgate.crypto.passwords import verify_password
from idgate.identity.account.account_holder import AccountRefused
from idgate.identity.customers import Customer
from idgate.identity.lockout import is_locked, record_failure
from idgate.identity.sessions import Session
from idgate.identity.sign_in import LOCKED_MESSAGE
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers

FRESH_SIGN_IN_SECONDS = 300
WRONG_CURRENT_MESSAGE = "Your current password is not correct."
SIGN_IN_AGAIN = "For your security, sign out and sign in again, then try once more."


def password_hash_of(conn: Connection, customer: Customer) -> str | None:
    return conn.execute(
        select(customers.c.password_hash).where(
            customers.c.tenant_id == customer.tenant_id, customers.c.id == customer.id
        )
    ).scalar()


def confirm_identity(
    rt: Runtime, customer: Customer, session: Session, current_password: str
) -> None:
    """Raise ``AccountRefused`` unless ``current_password`` is the customer's password, or,
    for a customer without one, unless ``session`` signed in moments ago."""
    now = rt.now()
    # The Argon2id check runs in a read transaction so it never holds SQLite's write lock.
    with database.read(rt.engine) as conn:
        stored = password_hash_of(conn, customer)
        locked = is_locked(conn, tenant_id=customer.tenant_id, email=customer.email, now=now)
        matches = stored is not None and not locked and verify_password(current_password, stored)
    if stored is None:
        if now - session.auth_time > FRESH_SIGN_IN_SECONDS:
            raise AccountRefused(SIGN_IN_AGAIN)
        return
    if locked:
        raise AccountRefused(LOCKED_MESSAGE)
    if not matches:
        _count_wrong_password(rt, customer, now)
        raise AccountRefused(WRONG_CURRENT_MESSAGE)


def _count_wrong_password(rt: Runtime, customer: Customer, now: float) -> None:
    with database.write(rt.engine) as conn:
        if record_failure(conn, tenant_id=customer.tenant_id, email=customer.email, now=now):
            record(
                conn,
                tenant_id=customer.tenant_id,
                actor=f"customer:{customer.id}",
                action="login.locked_out",
                target=customer.email,
                now=now,
            )
