"""The verification URI of the device flow (RFC 8628 §3.3): the end user signs in if needed,
enters (or confirms, with ``verification_uri_complete``) the user code, reviews the device's
application and scopes, and approves or denies."""

from __future__ import annotations

from dataclasses import dataclass

from idgate.identity.interactions import start_interaction
from idgate.identity.sessions import Session
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorize import NeedsLogin
from idgate.oauth.clients import find_client
from idgate.oauth.device_authorization import decide_device, find_pending_device
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


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


DevicePage = NeedsLogin | EnterCode | ConfirmDevice | DeviceDecided

_UNKNOWN = "That code is not valid or has expired. Check the code shown on your device."


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
    with database.read(rt.engine) as conn:
        pending = find_pending_device(conn, tenant_id=tenant.id, user_code=user_code, now=rt.now())
    client = find_client(rt, tenant.id, pending.client_id) if pending else None
    if pending is None or client is None:
        return EnterCode(_UNKNOWN)
    return ConfirmDevice(user_code, client.name, tuple(pending.scope.split()))


def decide_device_request(
    rt: Runtime, tenant: Tenant, *, session: Session, user_code: str, approve: bool
) -> DevicePage:
    with database.write(rt.engine) as conn:
        decided = decide_device(
            conn,
            tenant_id=tenant.id,
            user_code=user_code,
            session=session,
            approve=approve,
            now=rt.now(),
        )
    return DeviceDecided(approve) if decided else EnterCode(_UNKNOWN)
