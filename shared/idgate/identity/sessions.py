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
from idgate.identity.token_family_revocation import (
    revoke_customer_families,
    revoke_session_families,
)
from idgate.kernel.request_context import current_request, user_agent
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import sessions

SESSION_LIFETIME = 7 * 24 * 3600  # the default; each organization sets its own
# How stale ``last_seen_at`` may get before a request with the session writes it again: a
# list of sessions needs minutes, not every request's write.
LAST_SEEN_RESOLUTION = 300.0


@dataclass(frozen=True)
class Session:
    id: str
    tenant_id: str
    customer_id: str
    auth_time: float


@dataclass(frozen=True)
class SessionSummary:
    """A live session as the customer's list of sessions and the admin API show it."""

    id: str
    auth_time: float
    created_at: float
    expires_at: float
    last_seen_at: float | None
    user_agent: str | None
    ip: str | None


def start_session(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    now: float,
    lifetime: float = SESSION_LIFETIME,
) -> tuple[str, Session]:
    """Create a session for the current request's browser; returns the cookie value (shown
    once) and the session."""
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
            expires_at=now + lifetime,
            user_agent=user_agent(),
            ip=current_request.get().ip,
            last_seen_at=now,
        )
    )
    return cookie, session


def find_session(
    conn: Connection, *, tenant_id: str, cookie: str | None, now: float
) -> Session | None:
    found = _live_session(conn, tenant_id=tenant_id, cookie=cookie, now=now)
    return found[0] if found else None


def _live_session(
    conn: Connection, *, tenant_id: str, cookie: str | None, now: float
) -> tuple[Session, float | None] | None:
    """The live session the cookie stands for, and when it was last seen."""
    if not cookie:
        return None
    row = conn.execute(
        select(
            sessions.c.id, sessions.c.customer_id, sessions.c.auth_time, sessions.c.last_seen_at
        ).where(
            sessions.c.digest == token_digest(cookie),
            sessions.c.tenant_id == tenant_id,
            sessions.c.ended_at.is_(None),
            sessions.c.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    session = Session(
        id=row.id, tenant_id=tenant_id, customer_id=row.customer_id, auth_time=row.auth_time
    )
    return session, row.last_seen_at


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


def live_sessions(
    conn: Connection, *, tenant_id: str, customer_id: str, now: float
) -> list[SessionSummary]:
    """The customer's sessions that have neither ended nor expired, newest first."""
    rows = conn.execute(
        select(
            sessions.c.id,
            sessions.c.auth_time,
            sessions.c.created_at,
            sessions.c.expires_at,
            sessions.c.last_seen_at,
            sessions.c.user_agent,
            sessions.c.ip,
        )
        .where(
            sessions.c.tenant_id == tenant_id,
            sessions.c.customer_id == customer_id,
            sessions.c.ended_at.is_(None),
            sessions.c.expires_at > now,
        )
        .order_by(sessions.c.created_at.desc(), sessions.c.id)
    ).all()
    return [SessionSummary(**row._mapping) for row in rows]


def end_customer_sessions(
    conn: Connection,
    *,
    tenant_id: str,
    customer_id: str,
    now: float,
    keep: str | None = None,
    with_families: bool = True,
) -> int:
    """End every session of the customer's but ``keep`` (the browser asking, when it signs
    out its other sessions), with what they granted; ``with_families`` also revokes the
    families no session holds (device flow, a client's refresh tokens). The number ended."""
    selects = (
        (sessions.c.tenant_id == tenant_id)
        & (sessions.c.customer_id == customer_id)
        & sessions.c.ended_at.is_(None)
    )
    if keep is not None:
        selects &= sessions.c.id != keep
    session_ids = conn.execute(select(sessions.c.id).where(selects)).scalars().all()
    for session_id in session_ids:
        end_session(conn, tenant_id=tenant_id, session_id=session_id, now=now)
    if with_families:
        revoke_customer_families(conn, tenant_id=tenant_id, customer_id=customer_id, now=now)
    return len(session_ids)


def current_session(rt: Runtime, tenant_id: str, cookie: str | None) -> Session | None:
    """The browser's live session; when it was last seen long enough ago, now is noted."""
    if not cookie:
        return None
    now = rt.now()
    with database.read(rt.engine) as conn:
        found = _live_session(conn, tenant_id=tenant_id, cookie=cookie, now=now)
    if found is None:
        return None
    session, last_seen = found
    if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
        with database.write(rt.engine) as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.id == session.id, sessions.c.tenant_id == tenant_id)
                .values(last_seen_at=now)
            )
    return session
