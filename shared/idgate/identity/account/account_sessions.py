"""The customer's browser sessions on the account page (OIDC Session Management: the OP's
own sessions): each with a short browser label read from its ``User-Agent``, the IP
address, when it started and when it was last seen, "this browser" marked; signing out one
of them, or every one but this browser's.

Signing out other sessions ends them with the tokens each one granted (``end_session``);
grants that belong to no session (device flow) are not the browser's and stay, revocable
under the authorized applications (``with_families=False``: revoking every family of the
customer's would also revoke this browser's own).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from sqlalchemy import Connection

from idgate.audit.hash_chain import record
from idgate.identity.account.account_holder import AccountRefused, account_holder
from idgate.identity.sessions import Session, end_customer_sessions, end_session, live_sessions
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.tenancy.tenants import Tenant

# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari", Android
# also says "Linux", iOS also says "Mac OS X".
_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Version/[\d.]+.*Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
)


@dataclass(frozen=True)
class SessionRow:
    id: str
    browser: str
    ip: str | None
    created: str
    last_seen: str
    current: bool  # the browser looking at the page


def moment(timestamp: float | None) -> str:
    """A time as the account page shows it (UTC: the page has no script to localize it)."""
    if timestamp is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))


def browser_label(user_agent: str | None) -> str:
    """ "Chrome on Linux", "Safari on iOS", ...; "Unknown browser" when nothing matches."""
    agent = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, agent)), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"Browser on {system}" if system else "Unknown browser")


def session_rows(conn: Connection, session: Session, now: float) -> list[SessionRow]:
    return [
        SessionRow(
            id=live.id,
            browser=browser_label(live.user_agent),
            ip=live.ip,
            created=moment(live.created_at),
            last_seen=moment(live.last_seen_at),
            current=live.id == session.id,
        )
        for live in live_sessions(
            conn, tenant_id=session.tenant_id, customer_id=session.customer_id, now=now
        )
    ]


def sign_out_session(rt: Runtime, tenant: Tenant, session: Session, session_id: str) -> bool:
    """End one of the customer's live sessions; True when it was this browser's own.
    ``AccountRefused`` for a session that is not theirs or has ended."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        customer = account_holder(conn, session)
        owned = live_sessions(conn, tenant_id=tenant.id, customer_id=customer.id, now=now)
        if session_id not in {live.id for live in owned}:
            raise AccountRefused("This session has already ended.")
        end_session(conn, tenant_id=tenant.id, session_id=session_id, now=now)
        record(
            conn,
            tenant_id=tenant.id,
            actor=f"customer:{customer.id}",
            action="session.revoked",
            target=customer.id,
            details={"session_id": session_id},
            now=now,
        )
    return session_id == session.id


def sign_out_other_sessions(rt: Runtime, tenant: Tenant, session: Session) -> int:
    """End every session of the customer's but this browser's; how many ended."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        customer = account_holder(conn, session)
        ended = end_customer_sessions(
            conn,
            tenant_id=tenant.id,
            customer_id=customer.id,
            now=now,
            keep=session.id,
            with_families=False,
        )
        record(
            conn,
            tenant_id=tenant.id,
            actor=f"customer:{customer.id}",
            action="customer.sessions_revoked",
            target=customer.id,
            details={"sessions": ended, "kept": session.id},
            now=now,
        )
    return ended
