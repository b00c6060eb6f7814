"""End-user sign-in with email and password at the OP, for a pending interaction.

A failed sign-in says only "email or password is incorrect", whatever the cause, and costs
one Argon2id verification either way (no user enumeration).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from idgate.audit.hash_chain import record
from idgate.identity.customers import Customer, authenticate_customer, normalize_email
from idgate.identity.interactions import Interaction, load_interaction, mark_interaction
from idgate.identity.lockout import clear_failures, is_locked, record_failure
from idgate.identity.sessions import Session, start_session
from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.observability import metrics
from idgate.storage import database
from idgate.tenancy.tenants import Tenant
from idgate.tenancy.tiers import note_monthly_activity


class SignInFailed(IdgateError):
    status_code = 401


LOCKED_MESSAGE = "Too many failed sign-ins for this email. Try again in 15 minutes."


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    session: Session
    interaction: Interaction


def sign_in(
    rt: Runtime, tenant: Tenant, *, interaction_id: str, email: str, password: str
) -> SignedIn:
    interaction = load_interaction(rt, tenant, interaction_id)
    now = rt.now()
    address = normalize_email(email)[:320]
    customer = _verify_password(rt, tenant, address, email=email, password=password, now=now)
    signed_in = open_signed_in_session(
        rt, tenant, customer, interaction, method="password", failures_of=address
    )
    metrics.login_attempt("success")
    return signed_in


def _verify_password(
    rt: Runtime, tenant: Tenant, address: str, *, email: str, password: str, now: float
) -> Customer:
    # The Argon2id check runs in a read transaction so it never holds SQLite's write lock.
    with database.read(rt.engine) as conn:
        locked = is_locked(conn, tenant_id=tenant.id, email=address, now=now)
        customer = (
            None
            if locked
            else authenticate_customer(conn, tenant_id=tenant.id, email=email, password=password)
        )
    if locked:
        metrics.login_attempt("locked")
        raise SignInFailed(LOCKED_MESSAGE)
    if customer is None:
        metrics.login_attempt("failure")
        _note_failure(rt, tenant, address, now)
        raise SignInFailed("The email or password is incorrect.")
    return customer


def _note_failure(rt: Runtime, tenant: Tenant, address: str, now: float) -> None:
    with database.write(rt.engine) as conn:
        record(
            conn,
            tenant_id=tenant.id,
            actor="anonymous",
            action="login.failed",
            target=address,
            now=now,
        )
        if record_failure(conn, tenant_id=tenant.id, email=address, now=now):
            record(
                conn,
                tenant_id=tenant.id,
                actor="system",
                action="login.locked_out",
                target=address,
                now=now,
            )


def open_signed_in_session(
    rt: Runtime,
    tenant: Tenant,
    customer: Customer,
    interaction: Interaction,
    *,
    method: str,
    failures_of: str | None = None,
) -> SignedIn:
    """Start the customer's session for ``interaction`` once a sign-in method (``method``:
    ``password`` or ``upstream:<connection id>``) has proven who they are; a password
    sign-in also clears the failed attempts counted against ``failures_of``."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        note_monthly_activity(
            conn, tenant_id=tenant.id, tier_name=tenant.tier, customer_id=customer.id, now=now
        )
        cookie, session = start_session(conn, tenant_id=tenant.id, customer_id=customer.id, now=now)
        mark_interaction(conn, interaction.id, login_session_id=session.id)
        if failures_of is not None:
            clear_failures(conn, tenant_id=tenant.id, email=failures_of)
        record(
            conn,
            tenant_id=tenant.id,
            actor=f"customer:{customer.id}",
            action="login.succeeded",
            target=customer.email,
            details={"session_id": session.id, "method": method},
            now=now,
        )
    signed_in = Interaction(
        interaction.id, interaction.kind, interaction.params, session.id, interaction.consent_given
    )
    return SignedIn(cookie, session, signed_in)


def next_step_path(tenant: Tenant, interaction: Interaction) -> str:
    """Where the browser goes once signed in: back to the request that needed it."""
    if interaction.kind == "device":
        code = interaction.params.get("user_code") or ""
        return f"/t/{tenant.slug}/device" + (f"?{urlencode({'user_code': code})}" if code else "")
    return f"/t/{tenant.slug}/authorize/resume?{urlencode({'interaction': interaction.id})}"
