"""End-user sign-in with email and password at the OP, for a pending interaction.

A failed sign-in says only "email or password is incorrect", whatever the cause, and costs
one Argon2id verification either way (no user enumeration). Failures are limited per email
(``identity.lockout``) and per client network (``identity.sign_in_limits``: HTTP 429).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from sqlalchemy import Connection

from idgate.analytics.active_days import note_active_day
from idgate.analytics.sign_in_events import record_sign_in
from idgate.audit.hash_chain import record
from idgate.identity.customers import Customer, authenticate_customer, normalize_email
from idgate.identity.interactions import Interaction, load_interaction, mark_interaction
from idgate.identity.lockout import clear_failures, is_locked, record_failure
from idgate.identity.sessions import Session, start_session
from idgate.identity.sign_in_limits import (
    count_sign_in_failure,
    sign_in_blocked_for,
    too_many_message,
)
from idgate.kernel.errors import IdgateError
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.observability import metrics
from idgate.storage import database
from idgate.tenancy.tenants import Tenant
from idgate.tenancy.tiers import note_monthly_activity


class SignInFailed(IdgateError):
    status_code = 401


class SignInThrottled(SignInFailed):
    """Too many failed sign-ins from the client's network: HTTP 429 (RFC 6585 §4), with
    ``Retry-After`` (``retry_after``), whatever the email and password."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(too_many_message(retry_after))
        self.retry_after = retry_after


class EmailNotVerified(SignInFailed):
    """The password was right, but the organization requires a verified email first: no
    session; the page offers to resend the verification mail. Raised only after the
    password check, so it tells nothing to someone without the password."""

    status_code = 403

    def __init__(self, email: str) -> None:
        super().__init__("Verify your email address before you sign in.")
        self.email = email


LOCKED_MESSAGE = "Too many failed sign-ins for this email. Try again in 15 minutes."


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    session: Session
    interaction: Interaction | None  # None: signed in with no authorization request pending


def sign_in(
    rt: Runtime, tenant: Tenant, *, interaction_id: str, email: str, password: str
) -> SignedIn:
    interaction = load_interaction(rt, tenant, interaction_id)
    now = rt.now()
    address = normalize_email(email)[:320]
    attempt = _Attempt(address, interaction.params.get("client_id"), now, client_network())
    customer = _verify_password(rt, tenant, attempt, email=email, password=password)
    if tenant.policy.verification_required and not customer.email_verified:
        raise EmailNotVerified(customer.email)
    signed_in = open_signed_in_session(
        rt, tenant, customer, interaction, method="password", failures_of=address
    )
    metrics.login_attempt("success")
    return signed_in


@dataclass(frozen=True)
class _Attempt:
    address: str
    client_id: str | None
    now: float
    network: str | None  # the client's, for the per-IP limit


def _verify_password(
    rt: Runtime, tenant: Tenant, attempt: _Attempt, *, email: str, password: str
) -> Customer:
    # The Argon2id check runs in a read transaction so it never holds SQLite's write lock.
    with database.read(rt.engine) as conn:
        throttled = sign_in_blocked_for(
            conn, rt.settings, tenant_id=tenant.id, network=attempt.network, now=attempt.now
        )
        locked = not throttled and is_locked(
            conn, tenant_id=tenant.id, email=attempt.address, now=attempt.now
        )
        customer = (
            None
            if throttled or locked
            else authenticate_customer(conn, tenant_id=tenant.id, email=email, password=password)
        )
    if throttled:
        # Refused unseen, so written nowhere: a flood from one address costs one read each.
        metrics.login_attempt("throttled")
        raise SignInThrottled(throttled)
    if locked:
        metrics.login_attempt("locked")
        _note_failure(rt, tenant, attempt, "locked")
        raise SignInFailed(LOCKED_MESSAGE)
    if customer is None:
        metrics.login_attempt("failure")
        _note_failure(rt, tenant, attempt, "bad_credentials")
        raise SignInFailed("The email or password is incorrect.")
    return customer


def _note_failure(
    rt: Runtime, tenant: Tenant, attempt: _Attempt, reason: Literal["locked", "bad_credentials"]
) -> None:
    """A sign-in event, and a count against the client network's limit and the email's
    lockout; only the lockout itself (a security decision) is a link of the audit chain."""
    with database.write(rt.engine) as conn:
        count_sign_in_failure(
            conn, rt.settings, tenant_id=tenant.id, network=attempt.network, now=attempt.now
        )
        record_sign_in(
            conn,
            tenant_id=tenant.id,
            outcome="failure",
            reason=reason,
            method="password",
            client_id=attempt.client_id,
            now=attempt.now,
        )
        if reason == "locked":
            return
        if record_failure(conn, tenant_id=tenant.id, email=attempt.address, now=attempt.now):
            record(
                conn,
                tenant_id=tenant.id,
                actor="system",
                action="login.locked_out",
                target=attempt.address,
                now=attempt.now,
            )


def open_signed_in_session(
    rt: Runtime,
    tenant: Tenant,
    customer: Customer,
    interaction: Interaction | None,
    *,
    method: str,
    failures_of: str | None = None,
) -> SignedIn:
    """Start the customer's session for ``interaction`` once a sign-in method (``method``:
    ``password``, ``email`` or ``upstream:<connection id>``) has proven who they are; a
    password sign-in also clears the failed attempts counted against ``failures_of``.
    ``interaction`` is None when the request that asked for the sign-in has expired
    meanwhile (an email sign-in link opened late): the session starts all the same."""
    client_id = interaction.params.get("client_id") if interaction else None
    now = rt.now()
    with database.write(rt.engine) as conn:
        note_monthly_activity(
            conn, tenant_id=tenant.id, tier_name=tenant.tier, customer_id=customer.id, now=now
        )
        note_active_day(rt, conn, tenant_id=tenant.id, customer_id=customer.id, now=now)
        cookie, session = start_session(
            conn,
            tenant_id=tenant.id,
            customer_id=customer.id,
            now=now,
            lifetime=tenant.policy.session_seconds,
        )
        if interaction is not None:
            mark_interaction(conn, interaction.id, login_session_id=session.id)
        if failures_of is not None:
            clear_failures(conn, tenant_id=tenant.id, email=failures_of)
        _record_success(conn, tenant, customer, session, method=method, client_id=client_id)
    if interaction is None:
        return SignedIn(cookie, session, None)
    signed_in = Interaction(
        interaction.id, interaction.kind, interaction.params, session.id, interaction.consent_given
    )
    return SignedIn(cookie, session, signed_in)


def _record_success(
    conn: Connection,
    tenant: Tenant,
    customer: Customer,
    session: Session,
    *,
    method: str,
    client_id: str | None,
) -> None:
    """The sign-in event for analytics and, as a security decision, a link of the chain."""
    record_sign_in(
        conn,
        tenant_id=tenant.id,
        outcome="success",
        method=method,
        client_id=client_id,
        customer_id=customer.id,
        now=session.auth_time,
    )
    record(
        conn,
        tenant_id=tenant.id,
        actor=f"customer:{customer.id}",
        action="login.succeeded",
        target=customer.email,
        details={"session_id": session.id, "method": method},
        now=session.auth_time,
    )


def next_step_path(tenant: Tenant, interaction: Interaction | None) -> str:
    """Where the browser goes once signed in: back to the request that needed it, or to
    the account page when none is pending or the account page asked for the sign-in."""
    if interaction is None or interaction.kind == "account":
        return f"/t/{tenant.slug}/account"
    if interaction.kind == "device":
        code = interaction.params.get("user_code") or ""
        return f"/t/{tenant.slug}/device" + (f"?{urlencode({'user_code': code})}" if code else "")
    return f"/t/{tenant.slug}/authorize/resume?{urlencode({'interaction': interaction.id})}"
