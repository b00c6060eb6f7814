"""Customer sign-up at ``{issuer}/signup``, when the organization's policy opens it, without
user enumeration (OWASP Authentication Cheat Sheet, "Authentication and Error Messages";
NIST SP 800-63B §5.1.1.2 for the password).

A taken email gets the same answer, in the same time, as a new one: every request is
counted against the sign-up limit and costs one Argon2id hash before the email is looked
up, and each sends one mail. A new customer gets a verification link (``verification``);
the owner of a taken email gets a notice with a way to sign in or reset the password, and
their account does not change. The new customer's ``email_verified`` is false until the
link is used; whether they may sign in before is the policy's ``email_verification``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from idgate.audit.hash_chain import record
from idgate.crypto.passwords import hash_password
from idgate.identity.account.account_mail import account_link, send_account_mail
from idgate.identity.account.password_rules import check_new_password
from idgate.identity.account.request_limits import count_request
from idgate.identity.account.verification import issue_verification, mail_verification
from idgate.identity.customers import checked_email, create_customer, customer_id_with_email
from idgate.identity.interactions import pending_interaction_id
from idgate.kernel.errors import Conflict, NotFound, ValidationFailed
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.tenancy.tenants import Tenant

MAX_NAME_LENGTH = 200  # customers.name


class SignUpClosed(NotFound):
    """The organization does not let customers sign up themselves: the page is not there."""


@dataclass(frozen=True)
class SignUpForm:
    name: str
    email: str
    password: str
    interaction_id: str | None  # the authorization request to come back to


def check_sign_up_open(tenant: Tenant) -> None:
    if not tenant.policy.sign_up_open:
        raise SignUpClosed("This page does not exist.")


def sign_up(rt: Runtime, tenant: Tenant, form: SignUpForm) -> None:
    """Create the customer and mail the verification link, or mail the owner of the taken
    email a notice. ``ValidationFailed`` (a ``PasswordRejected`` among them) for a form to
    correct, ``TooManyRequests`` past the per-email or per-IP limit, ``SignUpClosed``."""
    check_sign_up_open(tenant)
    address = checked_email(form.email)
    name = _checked_name(form.name)
    check_new_password(form.password, email=address, policy=tenant.policy)
    with database.write(rt.engine) as conn:
        count_request(
            conn,
            rt.settings,
            "sign_up",
            tenant_id=tenant.id,
            email=address,
            network=client_network(),
            now=rt.now(),
        )
    # Before the lookup, on every path: a taken email costs the same Argon2id hash.
    password_hash = hash_password(form.password)
    now = rt.now()
    with database.write(rt.engine) as conn:
        interaction_id = pending_interaction_id(
            conn, tenant_id=tenant.id, interaction_id=form.interaction_id, now=now
        )
        token = _new_customer(conn, tenant, address, name, password_hash, interaction_id, now)
    if token is not None:
        mail_verification(rt, tenant, to=address, name=name, token=token)
        return
    send_account_mail(
        rt,
        tenant,
        "sign_up_existing",
        to=address,
        sign_in_link=account_link(rt, tenant, "login", interaction=interaction_id)
        if interaction_id
        else None,
        reset_link=account_link(rt, tenant, "password/forgot", interaction=interaction_id),
    )


def _checked_name(name: str) -> str | None:
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"Use at most {MAX_NAME_LENGTH} characters for your name.")
    return name or None


def _new_customer(
    conn: Connection,
    tenant: Tenant,
    address: str,
    name: str | None,
    password_hash: str,
    interaction_id: str | None,
    now: float,
) -> str | None:
    """The new customer's verification token; None when the email is taken (also by a
    sign-up racing this one)."""
    if customer_id_with_email(conn, tenant.id, address) is not None:
        return None
    try:
        customer = create_customer(
            conn,
            tenant_id=tenant.id,
            email=address,
            password=None,
            password_hash=password_hash,
            name=name,
            now=now,
            email_verified=False,
        )
    except Conflict:
        return None
    record(
        conn,
        tenant_id=tenant.id,
        actor=f"customer:{customer.id}",
        action="customer.signed_up",
        target=address,
        now=now,
    )
    return issue_verification(
        conn, tenant, customer, email=address, now=now, interaction_id=interaction_id
    )
