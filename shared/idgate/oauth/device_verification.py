"""The verification URI of the device flow (RFC 8628 §3.3): the end user signs in if needed,
enters (or confirms, with ``verification_uri_complete``) the user code, reviews the device's
application and scopes, and approves or denies.

RFC 8628 §5.1: the user code is short, so failed entries are limited, per signed-in end
user (``USER_CODE_FAILURES_PER_CUSTOMER``) and per client network
(``IDGATE_USER_CODE_FAILURES_PER_IP``, several accounts behind one address; 0: no such
limit), in a fixed window counted in the database (``storage.window_counters``), so the
limit holds across processes. Past a limit every entry is refused, a valid code too, until
the window has passed, with HTTP 429 and ``Retry-After`` (RFC 6585 §4); the refusal says
nothing about the code. ``slow_down`` (RFC 8628 §3.5) is the polling device's answer, not
the end user's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from idgate.identity.interactions import start_interaction
from idgate.identity.sessions import Session
from idgate.kernel.request_context import client_network
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorize import NeedsLogin
from idgate.oauth.clients import find_client
from idgate.oauth.device_authorization import PendingDevice, decide_device, find_pending_device
from idgate.storage import database
from idgate.storage.tables import user_code_failures
from idgate.storage.window_counters import count_failure, counter_key, seconds_blocked
from idgate.tenancy.tenants import Tenant

# Failed user-code entries allowed per signed-in end user in a window (RFC 8628 §5.1); the
# client network's limit is a setting (Settings.user_code_failures_per_ip).
USER_CODE_FAILURES_PER_CUSTOMER = 5
USER_CODE_WINDOW = 15 * 60


@dataclass(frozen=True)
class EnterCode:
    error: str | None = None


@dataclass(frozen=True)
class ConfirmDevice:
    user_code: str
    application: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class DeviceDecided:
    approved: bool


@dataclass(frozen=True)
class TooManyAttempts:
    """Too many failed entries: refuse for ``retry_after`` seconds (HTTP 429)."""

    retry_after: int


DevicePage = NeedsLogin | EnterCode | ConfirmDevice | DeviceDecided | TooManyAttempts

_UNKNOWN = "That code is not valid or has expired. Check the code shown on your device."


def _attempt_limits(rt: Runtime, session: Session) -> dict[str, int]:
    """The counters a failed entry counts in, with their limits: the end user's and, in a
    request, its client network's (unless that limit is 0)."""
    limits = {counter_key("customer", session.customer_id): USER_CODE_FAILURES_PER_CUSTOMER}
    network, per_ip = client_network(), rt.settings.user_code_failures_per_ip
    if network and per_ip:
        limits[counter_key("ip", network)] = per_ip
    return limits


def _locked_for(conn: Connection, tenant_id: str, limits: dict[str, int], now: float) -> int:
    """Seconds until the window of an exhausted limit has passed; 0 when none is."""
    return seconds_blocked(
        conn, user_code_failures, tenant_id, limits, window=USER_CODE_WINDOW, now=now
    )


def _refuse_failed_entry(
    conn: Connection, tenant_id: str, limits: dict[str, int], now: float
) -> EnterCode | TooManyAttempts:
    """Count a failed entry; the page to show, saying so once a limit is reached."""
    for key in limits:
        count_failure(conn, user_code_failures, tenant_id, key, window=USER_CODE_WINDOW, now=now)
    retry_after = _locked_for(conn, tenant_id, limits, now)
    return TooManyAttempts(retry_after) if retry_after else EnterCode(_UNKNOWN)


def device_page(
    rt: Runtime, tenant: Tenant, *, session: Session | None, user_code: str | None
) -> DevicePage:
    if session is None:
        with database.write(rt.engine) as conn:
            interaction_id = start_interaction(
                conn,
                tenant_id=tenant.id,
                kind="device",
                params={"user_code": user_code or ""},
                now=rt.now(),
            )
        return NeedsLogin(interaction_id)
    if not user_code:
        return EnterCode()
    pending = _look_up(rt, tenant, session, user_code)
    if not isinstance(pending, PendingDevice):
        return pending
    client = find_client(rt, tenant.id, pending.client_id)
    if client is None:
        return EnterCode(_UNKNOWN)
    return ConfirmDevice(user_code, client.name, tuple(pending.scope.split()))


def _look_up(
    rt: Runtime, tenant: Tenant, session: Session, user_code: str
) -> PendingDevice | EnterCode | TooManyAttempts:
    """The pending request of an entered user code, within the attempt limit."""
    now, limits = rt.now(), _attempt_limits(rt, session)
    with database.write(rt.engine) as conn:
        retry_after = _locked_for(conn, tenant.id, limits, now)
        if retry_after:
            return TooManyAttempts(retry_after)
        pending = find_pending_device(conn, tenant_id=tenant.id, user_code=user_code, now=now)
        return pending or _refuse_failed_entry(conn, tenant.id, limits, now)


def decide_device_request(
    rt: Runtime, tenant: Tenant, *, session: Session, user_code: str, approve: bool
) -> DevicePage:
    now, limits = rt.now(), _attempt_limits(rt, session)
    with database.write(rt.engine) as conn:
        retry_after = _locked_for(conn, tenant.id, limits, now)
        if retry_after:
            return TooManyAttempts(retry_after)
        decided = decide_device(
            conn,
            tenant_id=tenant.id,
            user_code=user_code,
            session=session,
            approve=approve,
            now=now,
        )
        return (
            DeviceDecided(approve)
            if decided
            else _refuse_failed_entry(conn, tenant.id, limits, now)
        )
