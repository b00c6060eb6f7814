"""Device access token request (RFC 8628 §3.4) and its errors (§3.5): authorization_pending,
slow_down (polling faster than the interval adds 5 seconds to it), access_denied,
expired_token. Redemption is one conditional UPDATE from approved to redeemed."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update

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
    return_after_commit: PreparedTokens | None = None
    with database.write(rt.engine) as conn:
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
        polled_too_fast = row.last_polled_at is not None and now - row.last_polled_at < row.interval
        conn.execute(
            update(device_codes)
            .where(device_codes.c.digest == digest)
            .values(
                last_polled_at=now,
                interval=row.interval + SLOW_DOWN_STEP if polled_too_fast else row.interval,
            )
        )
        if polled_too_fast:
            error: Exception = SlowDown("polling too often; wait the interval")
        elif row.status == "pending":
            error = AuthorizationPending("the user has not yet approved the request")
        else:
            error = InvalidGrant("device code is invalid")
            redeemed = conn.execute(
                update(device_codes)
                .where(device_codes.c.digest == digest, device_codes.c.status == "approved")
                .values(status="redeemed")
            )
            if redeemed.rowcount != 1:
                raise error
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
            prepared = prepare_user_tokens(
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
            return_after_commit = prepared
    if return_after_commit is not None:
        return return_after_commit
    # Raised after commit so the poll time and any slowed interval are kept.
    raise error


GRANT = Grant(grant_type=DEVICE_CODE_GRANT, name="device_code", handle=handle)
