"""Browser SSO sessions at the OP (OIDC Core §3.1.2.3, RP-Initiated Logout §2).

The cookie carries a 256-bit random value; only its SHA-256 digest is stored. The public
session id (``sid`` claim) is a separate random UUID so the claim reveals nothing usable.
Ending a session revokes every token family issued under it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from idgate.crypto.digests import random_token, token_digest
from idgate.identity.token_family_revocation import revoke_session_families
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import sessions

SESSION_LIFETIME = 7 * 24 * 3600


@dataclass(frozen=True)
class Session:
    id: str
    tenant_id: str
    customer_id: str
    auth_time: float


def start_session(
    conn: Connection, *, tenant_id: str, customer_id: str, now: float
) -> tuple[str, Session]:
    """Create a session; returns the cookie value (shown once) and the session."""
    cookie = random_token()
    session = Session(
        id=str(uuid.uuid4()), tenant_id=tenant_id, customer_id=customer_id, auth_time=now
    )
    conn.execute(
        insert(sessions).values(
            id=session.id,
            tenant_id=tenant_id,
            digest=token_digest(cookie),
            customer_id=customer_id,
            auth_time=now,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return cookie, session


def find_session(
    conn: Connection, *, tenant_id: str, cookie: str | None, now: float
) -> Session | None:
    if not cookie:
        return None
    row = conn.execute(
        select(sessions.c.id, sessions.c.customer_id, sessions.c.auth_time).where(
            sessions.c.digest == token_digest(cookie),
            sessions.c.tenant_id == tenant_id,
            sessions.c.ended_at.is_(None),
            sessions.c.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    return Session(
        id=row.id, tenant_id=tenant_id, customer_id=row.customer_id, auth_time=row.auth_time
    )


def end_session(conn: Connection, *, tenant_id: str, session_id: str, now: float) -> None:
    conn.execute(
        update(sessions)
        .where(
            sessions.c.id == session_id,
            sessions.c.tenant_id == tenant_id,
            sessions.c.ended_at.is_(None),
        )
        .values(ended_at=now)
    )
    revoke_session_families(conn, tenant_id=tenant_id, session_id=session_id, now=now)


def current_session(rt: Runtime, tenant_id: str, cookie: str | None) -> Session | None:
    if not cookie:
        return None
    with database.read(rt.engine) as conn:
        return find_session(conn, tenant_id=tenant_id, cookie=cookie, now=rt.now())
