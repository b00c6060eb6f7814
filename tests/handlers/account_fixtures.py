"""Builders for the account page's tests: a browser signed in through the page itself, a
session started directly for a customer without a password, the page's forms, and a look at
the rows and audit events an action leaves."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Table, func, select

from idgate.identity.sessions import start_session
from idgate.identity.upstream.connections import ConnectionSettings, save_connection
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import audit_events
from local.server import build_app
from tests.conftest import TenantFixture
from tests.flows import Browser, hidden
from tests.handlers.admin_fixtures import all_tenants, tenant_by_slug

ACCOUNT = "/t/acme/account"


def new_browser(
    rt: Runtime, user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"
) -> Browser:
    client = TestClient(build_app(), base_url="http://testserver")
    client.headers["User-Agent"] = user_agent
    return Browser(client)


def signed_in_browser(rt: Runtime, acme: TenantFixture, **kwargs: Any) -> Browser:
    """A browser that opened the account page, signed in, and came back to it."""
    browser = new_browser(rt, **kwargs)
    first = browser.get(ACCOUNT)
    assert first.status_code == 302 and "/t/acme/login?interaction=" in first.headers["location"]
    signed_in = browser.submit_login(first.headers["location"], acme.email, acme.password)
    assert signed_in.status_code == 302, signed_in.text
    assert signed_in.headers["location"] == ACCOUNT
    return browser


def browser_with_session(rt: Runtime, customer_id: str) -> Browser:
    """A browser holding a session started for ``customer_id`` now (however they signed in:
    this is how a customer without a password gets one in these tests)."""
    tenant = tenant_by_slug(rt, "acme")
    with all_tenants(), database.write(rt.engine) as conn:
        cookie, _ = start_session(conn, tenant_id=tenant.id, customer_id=customer_id, now=rt.now())
    browser = new_browser(rt)
    browser.client.cookies.set("idgate_session", cookie, domain="testserver.local", path="/t/acme/")
    return browser


def csrf_of(browser: Browser) -> str:
    page = browser.get(ACCOUNT)
    assert page.status_code == 200, page.text
    return hidden(page.text, "csrf_token")


def session_ids(browser: Browser) -> tuple[str, list[str]]:
    """The session ids on the page: this browser's, and the others'."""
    rows = re.findall(r"<li>(.*?)</li>", browser.get(ACCOUNT).text, re.S)
    pairs = [
        (hidden(row, "session_id"), "this browser" in row) for row in rows if "session_id" in row
    ]
    (own,) = [session_id for session_id, current in pairs if current]
    return own, [session_id for session_id, current in pairs if not current]


def post(browser: Browser, action: str, **fields: str) -> httpx.Response:
    """Submit one of the account page's forms, with the page's CSRF token."""
    return browser.post(f"{ACCOUNT}/{action}", {"csrf_token": csrf_of(browser), **fields})


def done(response: httpx.Response, notice: str) -> None:
    assert response.status_code == 302, response.text
    assert response.headers["location"] == f"{ACCOUNT}?done={notice}"


def refused(response: httpx.Response, message: str) -> None:
    assert response.status_code == 400, response.text
    assert 'role="alert"' in response.text and message in response.text


def count_rows(rt: Runtime, table: Table, **where: Any) -> int:
    with all_tenants(), database.read(rt.engine) as conn:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return int(conn.execute(query).scalar_one())


def audited(rt: Runtime, action: str) -> list[dict[str, Any]]:
    with all_tenants(), database.read(rt.engine) as conn:
        rows = conn.execute(select(audit_events).where(audit_events.c.action == action)).all()
    return [dict(row._mapping) for row in rows]


def add_github_connection(rt: Runtime, connection_id: str = "github", name: str = "GitHub") -> None:
    tenant = tenant_by_slug(rt, "acme")
    wanted = ConnectionSettings(
        provider="github", client_id="Iv1.acme", client_secret="github-secret-0123456789abcdef",
        name=name,
    )  # fmt: skip
    with all_tenants(), database.write(rt.engine) as conn:
        save_connection(rt, conn, tenant, connection_id, wanted)
    rt.cache.clear()
