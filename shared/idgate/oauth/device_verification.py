"""The verification URI of the device flow (RFC 8628 §3.3): the end user signs in if needed,
enters (or confirms, with ``verification_uri_complete``) the user code, reviews the device's
application and scopes, and approves or denies.

RFC 8628 §5.1: the user code is short, so failed entries are limited, per signed-in end
user and per client IP, in a fixed window. Past the limit every entry is refused, a valid
code too, until the window has passed; the refusal says nothing about the code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from idgate.identity.interactions import start_interaction
from idgate.identity.sessions import Session
from idgate.kernel.request_context import current_request
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorize import NeedsLogin
from idgate.oauth.clients import find_client
from idgate.oauth.device_authorization import PendingDevice, decide_device, find_pending_device
from idgate.storage import database
from idgate.storage.tables import user_code_failures
from idgate.tenancy.tenants import Tenant

# Failed user-code entries allowed per window, by what is counted: the signed-in end user,
# and the client IP (several accounts behind one address).
USER_CODE_FAILURE_LIMITS = {"customer": 5, "ip": 20}
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


def _attempt_keys(session: Session) -> dict[str, str]:
    """What the failures are counted against: the end user and, in a request, its IP."""
    keys = {"customer": f"customer:{session.customer_id}"}
    ip = current_request.get().ip
    if ip:
        keys["ip"] = f"ip:{ip}"[:100]
    return keys


def _locked_for(conn: Connection, tenant_id: str, keys: dict[str, str], now: float) -> int:
    """Seconds until the window of an exhausted limit has passed; 0 when none is."""
    rows = conn.execute(
        select(user_code_failures).where(
            user_code_failures.c.tenant_id == tenant_id,
            user_code_failures.c.key.in_(keys.values()),
            user_code_failures.c.window_started_at > now - USER_CODE_WINDOW,
        )
    ).all()
    limits = {key: USER_CODE_FAILURE_LIMITS[kind] for kind, key in keys.items()}
    ends = [r.window_started_at + USER_CODE_WINDOW for r in rows if r.failures >= limits[r.key]]
    return max(1, math.ceil(max(ends) - now)) if ends else 0


def _count_failure(conn: Connection, tenant_id: str, key: str, now: float) -> None:
    """One more failure in the key's current window, or the first of a new window."""
    row = (user_code_failures.c.tenant_id == tenant_id) & (user_code_failures.c.key == key)
    count_in_window = (
        update(user_code_failures)
        .where(row, user_code_failures.c.window_started_at > now - USER_CODE_WINDOW)
        .values(failures=user_code_failures.c.failures + 1)
    )
    if conn.execute(count_in_window).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(delete(user_code_failures).where(row))
            conn.execute(
                insert(user_code_failures).values(
                    tenant_id=tenant_id, key=key, failures=1, window_started_at=now
                )
            )
    except IntegrityError:
        # A concurrent first failure opened the window meanwhile: this one counts in it.
        conn.execute(count_in_window)


def _refuse_failed_entry(
    conn: Connection, tenant_id: str, keys: dict[str, str], now: float
) -> EnterCode | TooManyAttempts:
    """Count a failed entry; the page to show, saying so once a limit is reached."""
    for key in keys.values():
        _count_failure(conn, tenant_id, key, now)
    retry_after = _locked_for(conn, tenant_id, keys, now)
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
    now, keys = rt.now(), _attempt_keys(session)
    with database.write(rt.engine) as conn:
        retry_after = _locked_for(conn, tenant.id, keys, now)
        if retry_after:
            return TooManyAttempts(retry_after)
        pending = find_pending_device(conn, tenant_id=tenant.id, user_code=user_code, now=now)
        return pending or _refuse_failed_entry(conn, tenant.id, keys, now)


def decide_device_request(
    rt: Runtime, tenant: Tenant, *, session: Session, user_code: str, approve: bool
) -> DevicePage:
    now, keys = rt.now(), _attempt_keys(session)
    with database.write(rt.engine) as conn:
        retry_after = _locked_for(conn, tenant.id, keys, now)
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
            DeviceDecided(approve) if decided else _refuse_failed_entry(conn, tenant.id, keys, now)
        )
