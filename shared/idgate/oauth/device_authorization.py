"""Device authorization grant (RFC 8628): the device authorization request (§3.1-3.3),
the user-code approval at the verification URI (§3.3), and the polling state the token
endpoint reads (§3.4-3.5).

User codes are eight characters from a 20-letter consonant alphabet (§6.1: about 34 bits,
case-insensitive, dash ignored). Both codes are stored only as digests; approval and
redemption are conditional UPDATEs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from idgate.crypto.digests import random_token, token_digest
from idgate.identity.sessions import Session
from idgate.kernel.errors import InvalidScope, UnauthorizedClient
from idgate.oauth.client_model import Client
from idgate.storage.tables import device_codes

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_CODE_LIFETIME = 600
POLL_INTERVAL = 5
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class PendingDevice:
    client_id: str
    scope: str


def normalize_user_code(user_code: str) -> str:
    return "".join(ch for ch in user_code.upper() if ch.isalnum())


def start_device_authorization(
    conn: Connection, *, client: Client, scope: str | None, now: float
) -> DeviceAuthorization:
    if not client.allows_grant(DEVICE_CODE_GRANT):
        raise UnauthorizedClient("this client may not use the device flow")
    requested = (scope or "openid").split()
    if any(s not in client.scopes for s in requested):
        raise InvalidScope("requested scope is not allowed for this client")
    device_code = random_token()
    raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    conn.execute(
        insert(device_codes).values(
            digest=token_digest(device_code),
            tenant_id=client.tenant_id,
            user_code_digest=token_digest(raw),
            client_id=client.client_id,
            scope=" ".join(dict.fromkeys(requested)),
            status="pending",
            interval=POLL_INTERVAL,
            created_at=now,
            expires_at=now + DEVICE_CODE_LIFETIME,
        )
    )
    return DeviceAuthorization(
        device_code, f"{raw[:4]}-{raw[4:]}", DEVICE_CODE_LIFETIME, POLL_INTERVAL
    )


def find_pending_device(
    conn: Connection, *, tenant_id: str, user_code: str, now: float
) -> PendingDevice | None:
    row = conn.execute(
        select(device_codes.c.client_id, device_codes.c.scope).where(
            device_codes.c.user_code_digest == token_digest(normalize_user_code(user_code)),
            device_codes.c.tenant_id == tenant_id,
            device_codes.c.status == "pending",
            device_codes.c.expires_at > now,
        )
    ).first()
    return PendingDevice(row.client_id, row.scope) if row else None


def decide_device(
    conn: Connection, *, tenant_id: str, user_code: str, session: Session, approve: bool, now: float
) -> bool:
    """Approve or deny a pending user code; False when it is unknown, expired or decided."""
    result = conn.execute(
        update(device_codes)
        .where(
            device_codes.c.user_code_digest == token_digest(normalize_user_code(user_code)),
            device_codes.c.tenant_id == tenant_id,
            device_codes.c.status == "pending",
            device_codes.c.expires_at > now,
        )
        .values(
            status="approved" if approve else "denied",
            customer_id=session.customer_id,
            auth_time=session.auth_time,
        )
    )
    return result.rowcount == 1
