"""Email verification (OIDC Core §5.1 ``email_verified``): a mail with a single-use link,
valid 24 hours, that marks the address verified. The same link confirms a changed address
(the account page): the token holds the address it was sent to, and using it makes that
the customer's email, verified.

With the organization's policy ``email_verification=required`` a customer whose email is
not verified cannot finish a password sign-in; the sign-in page then offers to resend the
mail (``resend_verification``, limited like every request that sends mail).

The link's GET only shows a button (``pending_verification``) and its POST uses the token
(``verify_email``): mail scanners and link previews fetch links, and must not use them up.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, update

from idgate.audit.hash_chain import record
from idgate.identity.account.account_mail import account_link, send_account_mail
from idgate.identity.account.account_tokens import (
    AccountToken,
    LinkInvalid,
    issue_token,
    peek_token,
    use_token,
)
from idgate.identity.account.request_limits import count_request
from idgate.identity.customers import (
    Customer,
    checked_email,
    customer_id_with_email,
    get_customer,
)
from idgate.identity.interactions import pending_interaction_id
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers
from idgate.tenancy.tenants import Tenant

VERIFY_PATH = "verify"  # {issuer}/verify?token=...


@dataclass(frozen=True)
class EmailVerified:
    customer_id: str
    email: str
    interaction_id: str | None  # the sign-up's authorization request, while still pending


def issue_verification(
    conn: Connection,
    tenant: Tenant,
    customer: Customer,
    *,
    email: str,
    now: float,
    interaction_id: str | None = None,
) -> str:
    """A verification token for ``email`` (the customer's, or the one they change to), in
    the caller's transaction; returns the link to mail once it has committed."""
    issued = issue_token(
        conn,
        tenant_id=tenant.id,
        customer_id=customer.id,
        purpose="verify_email",
        email=email,
        now=now,
        interaction_id=interaction_id,
    )
    return issued.token


def mail_verification(
    rt: Runtime, tenant: Tenant, *, to: str, name: str | None, token: str
) -> bool:
    link = account_link(rt, tenant, VERIFY_PATH, token=token)
    return send_account_mail(rt, tenant, "verify_email", to=to, name=name, link=link)


def resend_verification(
    rt: Runtime, tenant: Tenant, *, email: str, interaction_id: str | None
) -> None:
    """Mail a new verification link (the older ones stop working) to the customer with
    ``email`` if their email is not verified yet. Every request counts, whether or not
    such a customer exists; ``ValidationFailed`` for what cannot be an address,
    ``TooManyRequests`` past the per-email or per-IP limit."""
    address = checked_email(email)
    now = rt.now()
    with database.write(rt.engine) as conn:
        count_request(
            conn,
            rt.settings,
            "resend_verification",
            tenant_id=tenant.id,
            email=address,
            network=client_network(),
            now=now,
        )
        holder = customer_id_with_email(conn, tenant.id, address)
        customer = get_customer(conn, tenant.id, holder) if holder else None
        if customer is None or customer.email_verified:
            return
        pending = pending_interaction_id(
            conn, tenant_id=tenant.id, interaction_id=interaction_id, now=now
        )
        token = issue_verification(
            conn, tenant, customer, email=customer.email, now=now, interaction_id=pending
        )
    mail_verification(rt, tenant, to=customer.email, name=customer.name, token=token)


def pending_verification(rt: Runtime, tenant: Tenant, token: str) -> AccountToken:
    """The verification link ``token`` while it can still be used, without using it (the
    page its POST confirms); ``LinkInvalid`` otherwise."""
    with database.read(rt.engine) as conn:
        return peek_token(
            conn, tenant_id=tenant.id, purpose="verify_email", token=token, now=rt.now()
        )


def verify_email(rt: Runtime, tenant: Tenant, token: str) -> EmailVerified:
    """Use the verification link ``token``: its address becomes the customer's, verified.
    ``LinkInvalid`` for a used, expired or unknown link, or an address another customer
    has taken meanwhile."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        used = use_token(conn, tenant_id=tenant.id, purpose="verify_email", token=token, now=now)
        holder = customer_id_with_email(conn, tenant.id, used.email)
        if holder not in (None, used.customer_id):
            raise LinkInvalid("This email address now belongs to another account.")
        conn.execute(
            update(customers)
            .where(customers.c.tenant_id == tenant.id, customers.c.id == used.customer_id)
            .values(email=used.email, email_verified=True)
        )
        record(
            conn,
            tenant_id=tenant.id,
            actor=f"customer:{used.customer_id}",
            action="customer.email_verified",
            target=used.email,
            now=now,
        )
        pending = pending_interaction_id(
            conn, tenant_id=tenant.id, interaction_id=used.interaction_id, now=now
        )
    return EmailVerified(used.customer_id, used.email, pending)
