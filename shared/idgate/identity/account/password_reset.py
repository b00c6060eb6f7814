"""Forgot password and password reset (OWASP Forgot Password Cheat Sheet; NIST SP 800-63B
§6.1.2.3: after a reset, the old sessions go).

``{issuer}/password/forgot`` answers the same for every email, in about the same time:
every request counts against the limit and sends one mail, a single-use reset link (30
minutes) to a customer's address, a notice that no account uses it to any other. The link's
GET shows the new-password form without using the token (``pending_reset``, so a mail
scanner fetching it spends nothing); its POST (``reset_password``) sets the password, uses
the token, ends every session and refresh-token family of the customer, clears the sign-in
lockout of the address, marks the address verified (the link proved it) and mails a notice
that the password changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, update

from idgate.audit.hash_chain import record
from idgate.crypto.passwords import hash_password
from idgate.identity.account.account_mail import account_link, send_account_mail
from idgate.identity.account.account_tokens import AccountToken, issue_token, peek_token, use_token
from idgate.identity.account.password_rules import check_new_password
from idgate.identity.account.request_limits import count_request
from idgate.identity.customers import checked_email, customer_id_with_email, get_customer
from idgate.identity.interactions import pending_interaction_id
from idgate.identity.lockout import clear_failures
from idgate.identity.sessions import end_customer_sessions
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers
from idgate.tenancy.tenants import Tenant

RESET_PATH = "password/reset"  # {issuer}/password/reset?token=...


@dataclass(frozen=True)
class PasswordReset:
    interaction_id: str | None  # the authorization request to sign in for, still pending


def request_password_reset(
    rt: Runtime, tenant: Tenant, *, email: str, interaction_id: str | None
) -> None:
    """Mail a reset link to the customer with ``email``, or a notice that no account uses
    it. ``ValidationFailed`` for what cannot be an address, ``TooManyRequests`` past the
    per-email or per-IP limit; nothing else tells whether the email is a customer's."""
    address = checked_email(email)
    now = rt.now()
    with database.write(rt.engine) as conn:
        count_request(
            conn,
            rt.settings,
            "forgot_password",
            tenant_id=tenant.id,
            email=address,
            network=client_network(),
            now=now,
        )
        pending = pending_interaction_id(
            conn, tenant_id=tenant.id, interaction_id=interaction_id, now=now
        )
        token = _reset_token(conn, tenant, address, pending, now)
    if token is not None:
        link = account_link(rt, tenant, RESET_PATH, token=token)
        send_account_mail(rt, tenant, "password_reset", to=address, link=link)
        return
    sign_up = account_link(rt, tenant, "signup", interaction=pending)
    send_account_mail(
        rt,
        tenant,
        "password_reset_no_account",
        to=address,
        sign_up_link=sign_up if tenant.policy.sign_up_open else None,
    )


def _reset_token(
    conn: Connection, tenant: Tenant, address: str, interaction_id: str | None, now: float
) -> str | None:
    customer_id = customer_id_with_email(conn, tenant.id, address)
    if customer_id is None:
        return None
    issued = issue_token(
        conn,
        tenant_id=tenant.id,
        customer_id=customer_id,
        purpose="reset_password",
        email=address,
        now=now,
        interaction_id=interaction_id,
    )
    return issued.token


def pending_reset(rt: Runtime, tenant: Tenant, token: str) -> AccountToken:
    """The reset link ``token`` while it can still be used, without using it (the page
    with the new-password form); ``LinkInvalid`` otherwise."""
    with database.read(rt.engine) as conn:
        return peek_token(
            conn, tenant_id=tenant.id, purpose="reset_password", token=token, now=rt.now()
        )


def reset_password(rt: Runtime, tenant: Tenant, *, token: str, password: str) -> PasswordReset:
    """Set ``password`` for the customer the reset link ``token`` was mailed to. Raises
    ``LinkInvalid`` (the link cannot be used) or ``PasswordRejected`` (the token is then
    still usable, for another try)."""
    pending = pending_reset(rt, tenant, token)
    check_new_password(password, email=pending.email, policy=tenant.policy)
    password_hash = hash_password(password)  # outside the write transaction and its lock
    now = rt.now()
    with database.write(rt.engine) as conn:
        used = use_token(conn, tenant_id=tenant.id, purpose="reset_password", token=token, now=now)
        email = _set_password(conn, tenant, used, password_hash, now)
        interaction_id = pending_interaction_id(
            conn, tenant_id=tenant.id, interaction_id=used.interaction_id, now=now
        )
    send_account_mail(
        rt,
        tenant,
        "password_changed",
        to=email,
        reset_link=account_link(rt, tenant, "password/forgot"),
    )
    return PasswordReset(interaction_id)


def _set_password(
    conn: Connection, tenant: Tenant, used: AccountToken, password_hash: str, now: float
) -> str:
    """Store the new hash, and what a reset implies; the customer's email address."""
    of_customer = (customers.c.tenant_id == tenant.id) & (customers.c.id == used.customer_id)
    conn.execute(update(customers).where(of_customer).values(password_hash=password_hash))
    # The mail reached this address; it is the customer's unless they changed it since.
    conn.execute(
        update(customers)
        .where(of_customer, customers.c.email == used.email)
        .values(email_verified=True)
    )
    customer = get_customer(conn, tenant.id, used.customer_id)
    email = customer.email if customer else used.email
    ended = end_customer_sessions(conn, tenant_id=tenant.id, customer_id=used.customer_id, now=now)
    clear_failures(conn, tenant_id=tenant.id, email=email)
    record(
        conn,
        tenant_id=tenant.id,
        actor=f"customer:{used.customer_id}",
        action="customer.password_reset",
        target=email,
        details={"sessions_ended": ended},
        now=now,
    )
    return email
