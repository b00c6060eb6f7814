"""Fixtures of the sign-up and password-reset page tests: the authorize function's app in a
cookie-keeping TestClient (``Browser``), tenant ``acme`` with a policy set as ``idgate
tenant configure`` sets it, and the mail the local outbox stored."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from idgate.control.organization_settings import change_organization_settings
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.customers import Customer, customer_id_with_email, get_customer
from idgate.kernel.runtime import Runtime
from idgate.mail.outbox import OutboxMessage, recent_outbox
from idgate.storage import database
from idgate.storage.tables import audit_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import find_tenant
from tests.flows import Browser, new_authorization, query_of
from tests.handlers.admin_fixtures import use_cheap_password_hashing

NEW_EMAIL = "newcomer@example.com"
NEW_PASSWORD = "plum tangerine orbit 42"


def configure(rt: Runtime, slug: str, **policy: object) -> None:
    """Change tenant ``slug``'s policy, as ``idgate tenant configure`` does."""
    with scoped(ALL_TENANTS):
        change_organization_settings(rt, LOCAL_OPERATOR, slug, policy)


def authorize_pages() -> Browser:
    """A browser on the authorize function."""
    from functions.authorize.app import app

    return Browser(TestClient(app, base_url="http://testserver"))


def open_sign_up_pages(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Browser:
    """A browser on the authorize function, tenant ``acme`` open to sign-up; passwords
    hashed cheaply (these tests are about the pages, not Argon2id's cost)."""
    use_cheap_password_hashing(monkeypatch)
    configure(rt, "acme", sign_up="open")
    return authorize_pages()


def fill(browser: Browser, page_url: str, action: str, **fields: str) -> httpx.Response:
    """Open ``page_url`` and post its form to ``action`` with its hidden fields and ``fields``."""
    page = browser.get(page_url)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return browser.post(action, {**form, **fields})


def start_sign_in(browser: Browser) -> str:
    """Start an authorization request of client ``web``; the interaction it waits in."""
    started = browser.authorize(new_authorization())
    assert started.status_code == 302, started.text
    return query_of(started.headers["location"])["interaction"]


def sign_up(
    browser: Browser, email: str = NEW_EMAIL, interaction: str = "", **fields: str
) -> httpx.Response:
    return fill(
        browser,
        f"/t/acme/signup?interaction={interaction}",
        "/t/acme/signup",
        **{"name": "New Comer", "email": email, "password": NEW_PASSWORD, **fields},
    )


def mails_to(rt: Runtime, email: str) -> list[OutboxMessage]:
    """The mail to ``email``, newest first."""
    with scoped(ALL_TENANTS):
        return recent_outbox(rt, to=email, limit=50)


def mailed_link(message: OutboxMessage, path: str) -> str:
    """The link to ``{issuer}/{path}`` in ``message``, as a path with its query."""
    match = re.search(rf"http://testserver(/t/acme/{path}\S*)", message.text_body)
    assert match, message.text_body
    return match.group(1)


def link_mailed_to(rt: Runtime, email: str, path: str) -> str:
    """The link to ``{issuer}/{path}`` of the newest mail to ``email`` that has one."""
    for message in mails_to(rt, email):
        if f"/t/acme/{path}" in message.text_body:
            return mailed_link(message, path)
    raise AssertionError(f"no mail to {email} links to {path}")


def token_of(link: str) -> str:
    return query_of(link)["token"]


def customer(rt: Runtime, email: str) -> Customer | None:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        tenant_id = _tenant_id(conn)
        found = customer_id_with_email(conn, tenant_id, email)
        return get_customer(conn, tenant_id, found) if found else None


def audited(rt: Runtime, action: str) -> list[str | None]:
    """The targets of the audit events ``action``."""
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        rows = conn.execute(select(audit_events.c.target).where(audit_events.c.action == action))
        return [row.target for row in rows]


def _tenant_id(conn: Connection) -> str:
    tenant = find_tenant(conn, "acme")
    assert tenant is not None
    return tenant.id


@dataclass(frozen=True)
class Answer:
    """A page as the enumeration tests compare it: status and body, without the CSRF
    token (random per browser) and the address typed (echoed in the message)."""

    status: int
    body: str

    @classmethod
    def of(cls, response: httpx.Response, email: str) -> Answer:
        body = response.text.replace(email, "EMAIL")
        return cls(response.status_code, re.sub(r'name="csrf_token" value="[^"]*"', "", body))
