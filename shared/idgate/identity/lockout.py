"""Lockout after repeated failed sign-ins (RFC 9700 §4.3 / NIST SP 800-63B §5.2.2 rate
limiting): five failures for one email within fifteen minutes lock that email for fifteen
minutes.

The counter is kept per (tenant, email) whether or not the account exists, and a locked
email gets the same answer either way, so the lockout reveals nothing about which emails
exist. A locked attempt costs no Argon2id work, which also blunts password spraying.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from idgate.analytics.events import record_event
from idgate.storage.tables import sign_in_failures

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60


def is_locked(conn: Connection, *, tenant_id: str, email: str, now: float) -> bool:
    locked_until = conn.execute(
        select(sign_in_failures.c.locked_until).where(
            sign_in_failures.c.tenant_id == tenant_id, sign_in_failures.c.email == email
        )
    ).scalar()
    return locked_until is not None and locked_until > now


def record_failure(conn: Connection, *, tenant_id: str, email: str, now: float) -> bool:
    """Count a failed sign-in; True when this failure locks the email (an analytics
    event of the organization's, whichever sign-in path failed)."""
    key = (sign_in_failures.c.tenant_id == tenant_id) & (sign_in_failures.c.email == email)
    row = conn.execute(select(sign_in_failures).where(key)).first()
    if row is None or now - row.window_started_at > WINDOW_SECONDS:
        try:
            with conn.begin_nested():
                conn.execute(delete(sign_in_failures).where(key))
                conn.execute(
                    insert(sign_in_failures).values(
                        tenant_id=tenant_id, email=email, failures=1, window_started_at=now
                    )
                )
        except IntegrityError:
            # A concurrent failure opened the window meanwhile: count this one in it.
            return record_failure(conn, tenant_id=tenant_id, email=email, now=now)
        return False
    failures = row.failures + 1
    locks = failures >= MAX_FAILURES
    conn.execute(
        update(sign_in_failures)
        .where(key)
        .values(
            failures=0 if locks else failures,
            window_started_at=now if locks else row.window_started_at,
            locked_until=now + LOCKOUT_SECONDS if locks else row.locked_until,
        )
    )
    if locks:
        record_event(conn, tenant_id=tenant_id, kind="lockout", now=now)
    return locks


def clear_failures(conn: Connection, *, tenant_id: str, email: str) -> None:
    conn.execute(
        delete(sign_in_failures).where(
            sign_in_failures.c.tenant_id == tenant_id, sign_in_failures.c.email == email
        )
    )
