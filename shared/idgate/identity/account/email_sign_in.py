"""Email sign-in: a mail with a single-use link and a 6-digit code that signs the customer
in, and proves the address theirs (so it marks the email verified).

Both are out-of-band secrets in the sense of NIST SP 800-63B §5.1.3: valid ten minutes,
the code five attempts (``account_tokens``). The link's page asks for a click before it
uses the link (``check_sign_in_link``, then ``sign_in_by_link``): mail scanners that
fetch every link of a mail must not spend it. The code is worth something only with the
token's public id, which the page after the request holds.

Asking answers the same for every address (no user enumeration): each request is counted
against the per-email and per-IP limits (``request_limits``, 429 past them), and an
address with no enabled account gets a decoy id (``decoy_codes``) and no mail, but an
answer as slow as one that mails (``answer_timing``). The session starts through
``identity.sign_in.open_signed_in_session`` (method ``email``), for the authorization
request the customer came from when it is still pending.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy import Connection, update

from idgate.audit.hash_chain import record
from idgate.identity.account.account_mail import account_link, send_account_mail
from idgate.identity.account.account_tokens import (
    AccountToken,
    IssuedToken,
    LinkInvalid,
    WrongCode,
    issue_token,
    peek_token,
    use_code,
    use_token,
)
from idgate.identity.account.answer_timing import (
    answer_started,
    note_answer,
    wait_as_if_answered,
)
from idgate.identity.account.decoy_codes import issue_decoy, refuse_decoy_code
from idgate.identity.account.request_limits import count_request
from idgate.identity.customers import Customer, customer_id_with_email, get_customer
from idgate.identity.interactions import Interaction, find_interaction
from idgate.identity.sign_in import SignedIn, open_signed_in_session
from idgate.kernel.errors import IdgateError
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers
from idgate.tenancy.tenants import Tenant

VERIFY_PATH = "email-sign-in/verify"  # {issuer}/email-sign-in/verify?token=...
MAX_EMAIL_LENGTH = 320  # RFC 5321 §4.5.3.1: 64 for the local part, 255 for the domain


@dataclass(frozen=True)
class CodeSent:
    token_id: str  # what the code page sends back with the code (a decoy's for no account)
    interaction_id: str | None  # the authorization request still pending, if any
    redirect_uri: str | None  # where the code page's form may end up, for its CSP


def request_email_sign_in(
    rt: Runtime, tenant: Tenant, *, email: str, interaction_id: str | None
) -> CodeSent:
    """Mail a sign-in link and code to ``email`` when it is an enabled customer's, and
    say what the code page holds, the same whoever the address belongs to. Raises
    ``TooManyRequests`` past the per-email or per-IP limit."""
    started, now, address = answer_started(), rt.now(), email.strip()[:MAX_EMAIL_LENGTH]
    with database.write(rt.engine) as conn:
        count_request(
            conn,
            rt.settings,
            "email_sign_in",
            tenant_id=tenant.id,
            email=address,
            network=client_network(),
            now=now,
        )
        pending = _pending_interaction(conn, tenant, interaction_id, now)
        pending_id = pending.id if pending else None
        customer = _enabled_customer(conn, tenant, address)
        if customer is None:
            token_id, mail = issue_decoy(conn, tenant_id=tenant.id, now=now), None
        else:
            issued = _issue_sign_in(conn, tenant, customer, pending_id, now)
            token_id, mail = issued.id, partial(_mail_sign_in, rt, tenant, customer, issued)
    if mail is None:
        wait_as_if_answered(rt, "email_sign_in", started)  # so the time tells nothing
    else:
        mail()  # after the commit: never a rolled-back link
        note_answer(rt, "email_sign_in", started)
    return CodeSent(token_id, pending_id, _redirect_uri(pending))


def check_sign_in_link(rt: Runtime, tenant: Tenant, token: str) -> str | None:
    """Raises ``LinkInvalid`` unless ``token`` is a usable sign-in link; uses nothing.
    Returns where the page's form may end up (``sign_in_redirect_uri``)."""
    now = rt.now()
    with database.read(rt.engine) as conn:
        link = peek_token(conn, tenant_id=tenant.id, purpose="email_sign_in", token=token, now=now)
        pending = _pending_interaction(conn, tenant, link.interaction_id, now)
    return _redirect_uri(pending)


def sign_in_redirect_uri(rt: Runtime, tenant: Tenant, interaction_id: str | None) -> str | None:
    """The client redirect URI that a sign-in form for the pending authorization request
    ``interaction_id`` may end up at after its redirects, which the page's CSP
    ``form-action`` must allow; None when there is none (or a device's, which ends here)."""
    with database.read(rt.engine) as conn:
        return _redirect_uri(_pending_interaction(conn, tenant, interaction_id, rt.now()))


def sign_in_by_link(rt: Runtime, tenant: Tenant, token: str) -> SignedIn:
    """Use the sign-in link ``token`` and start the customer's session; ``LinkInvalid``
    for a used, expired, unknown or tampered one."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        used = use_token(conn, tenant_id=tenant.id, purpose="email_sign_in", token=token, now=now)
        customer = _proven_customer(conn, tenant, used, now)
    return _open_session(rt, tenant, customer, used)


def sign_in_by_code(rt: Runtime, tenant: Tenant, *, token_id: str, code: str) -> SignedIn:
    """Use the token ``token_id`` with its 6-digit ``code`` and start the customer's
    session. ``WrongCode`` (attempts left) or ``LinkInvalid`` (expired, used, burnt by the
    fifth wrong code, or never issued); a wrong code counts even so."""
    now = rt.now()
    failure: IdgateError | None = None
    with database.write(rt.engine) as conn:
        try:
            refuse_decoy_code(conn, tenant_id=tenant.id, token_id=token_id, now=now)
            used = use_code(conn, tenant_id=tenant.id, token_id=token_id, code=code, now=now)
            customer = _proven_customer(conn, tenant, used, now)
        except (WrongCode, LinkInvalid) as exc:
            failure = exc  # raised once the wrong attempt it counted has committed
    if failure is not None:
        raise failure
    return _open_session(rt, tenant, customer, used)


def _pending_interaction(
    conn: Connection, tenant: Tenant, interaction_id: str | None, now: float
) -> Interaction | None:
    """The authorization request to resume after the sign-in, if it is still pending."""
    if not interaction_id:
        return None
    return find_interaction(conn, tenant_id=tenant.id, interaction_id=interaction_id, now=now)


def _redirect_uri(interaction: Interaction | None) -> str | None:
    # Verified when /authorize opened the interaction: only a valid request opens one.
    if interaction is None or interaction.kind != "authorize":
        return None
    return interaction.params.get("redirect_uri")


def _enabled_customer(conn: Connection, tenant: Tenant, email: str) -> Customer | None:
    customer_id = customer_id_with_email(conn, tenant.id, email)
    customer = get_customer(conn, tenant.id, customer_id) if customer_id else None
    return None if customer is None or customer.disabled else customer


def _proven_customer(conn: Connection, tenant: Tenant, used: AccountToken, now: float) -> Customer:
    """The customer the used token signs in, with the address it was mailed to marked
    verified. ``LinkInvalid`` when they were disabled or changed their email since."""
    customer = get_customer(conn, tenant.id, used.customer_id)
    if customer is None or customer.disabled or customer.email != used.email:
        raise LinkInvalid("This sign-in link is no longer valid. Ask for a new one.")
    if customer.email_verified:
        return customer
    conn.execute(
        update(customers)
        .where(customers.c.tenant_id == tenant.id, customers.c.id == customer.id)
        .values(email_verified=True)
    )
    record(
        conn,
        tenant_id=tenant.id,
        actor=f"customer:{customer.id}",
        action="customer.email_verified",
        target=customer.email,
        details={"method": "email_sign_in"},
        now=now,
    )
    return replace(customer, email_verified=True)


def _open_session(rt: Runtime, tenant: Tenant, customer: Customer, used: AccountToken) -> SignedIn:
    with database.read(rt.engine) as conn:
        interaction = _pending_interaction(conn, tenant, used.interaction_id, rt.now())
    return open_signed_in_session(rt, tenant, customer, interaction, method="email")


def _issue_sign_in(
    conn: Connection, tenant: Tenant, customer: Customer, interaction_id: str | None, now: float
) -> IssuedToken:
    return issue_token(
        conn,
        tenant_id=tenant.id,
        customer_id=customer.id,
        purpose="email_sign_in",
        email=customer.email,
        now=now,
        interaction_id=interaction_id,
    )


def _mail_sign_in(rt: Runtime, tenant: Tenant, customer: Customer, issued: IssuedToken) -> bool:
    link = account_link(rt, tenant, VERIFY_PATH, token=issued.token)
    return send_account_mail(
        rt,
        tenant,
        "email_sign_in",
        to=customer.email,
        name=customer.name,
        link=link,
        code=issued.code,
    )
