"""Device access token request (RFC 8628 §3.4) and its errors (§3.5): authorization_pending,
slow_down (polling faster than the interval adds 5 seconds to it), access_denied,
expired_token. Redemption is one conditional UPDATE from approved to redeemed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Row, select, update

from idgate.crypto.digests import token_digest
from idgate.kernel.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    InvalidRequest,
    SlowDown,
)
from idgate.kernel.runtime import Runtime
from idgate.oauth.client_model import Client
from idgate.oauth.device_authorization import DEVICE_CODE_GRANT
from idgate.oauth.grants.grant import Grant
from idgate.oauth.token_families import create_family
from idgate.oauth.user_tokens import PreparedTokens, prepare_user_tokens
from idgate.storage import database
from idgate.storage.tables import device_codes
from idgate.tenancy.tenants import Tenant

SLOW_DOWN_STEP = 5


def handle(rt: Runtime, tenant: Tenant, client: Client, form: Mapping[str, str]) -> PreparedTokens:
    device_code = form.get("device_code")
    if not device_code:
        raise InvalidRequest("device_code is required")
    digest = token_digest(device_code)
    now = rt.now()
    with database.write(rt.engine) as conn:
        row = _load_device_code(conn, tenant, client, digest, now)
        polled_too_fast = _record_poll(conn, digest, row, now)
        not_ready = _not_ready_error(row, polled_too_fast)
        if not_ready is None:
            return _redeem(conn, tenant, client, digest, row, now)
    # Raised after commit so the poll time and any slowed interval are kept.
    raise not_ready


def _load_device_code(
    conn: Connection, tenant: Tenant, client: Client, digest: str, now: float
) -> Row[Any]:
    """The errors that end the flow (invalid_grant, §3.5 expired_token and access_denied);
    raised inside the transaction, so such a request records no poll."""
    row = conn.execute(
        select(device_codes).where(
            device_codes.c.digest == digest, device_codes.c.tenant_id == tenant.id
        )
    ).first()
    if row is None or row.client_id != client.client_id or row.status == "redeemed":
        raise InvalidGrant("device code is invalid")
    if row.expires_at <= now:
        raise ExpiredToken("the device code expired; start again")
    if row.status == "denied":
        raise AccessDenied("the user denied the request")
    return row


def _record_poll(conn: Connection, digest: str, row: Row[Any], now: float) -> bool:
    """Store the poll time; a poll sooner than the interval adds SLOW_DOWN_STEP to it for
    this and every later request (§3.5 slow_down). Returns whether this poll was too soon."""
    polled_too_fast = row.last_polled_at is not None and now - row.last_polled_at < row.interval
    conn.execute(
        update(device_codes)
        .where(device_codes.c.digest == digest)
        .values(
            last_polled_at=now,
            interval=row.interval + SLOW_DOWN_STEP if polled_too_fast else row.interval,
        )
    )
    return polled_too_fast


def _not_ready_error(row: Row[Any], polled_too_fast: bool) -> Exception | None:
    """The error telling the device to keep polling, or None when the code may be redeemed."""
    if polled_too_fast:
        return SlowDown("polling too often; wait the interval")
    if row.status == "pending":
        return AuthorizationPending("the user has not yet approved the request")
    return None


def _redeem(
    conn: Connection, tenant: Tenant, client: Client, digest: str, row: Row[Any], now: float
) -> PreparedTokens:
    # One conditional UPDATE: of two concurrent polls only one moves approved to redeemed.
    redeemed = conn.execute(
        update(device_codes)
        .where(device_codes.c.digest == digest, device_codes.c.status == "approved")
        .values(status="redeemed")
    )
    if redeemed.rowcount != 1:
        raise InvalidGrant("device code is invalid")
    # The device's tokens outlive the browser session used to approve it.
    family_id = create_family(
        conn,
        tenant_id=tenant.id,
        client_id=client.client_id,
        customer_id=row.customer_id,
        session_id=None,
        scope=row.scope,
        auth_time=row.auth_time,
        now=now,
    )
    return prepare_user_tokens(
        conn,
        tenant,
        client,
        family_id=family_id,
        customer_id=row.customer_id,
        scope=row.scope,
        session_id=None,
        auth_time=row.auth_time,
        nonce=None,
        now=now,
    )


GRANT = Grant(grant_type=DEVICE_CODE_GRANT, name="device_code", handle=handle)
