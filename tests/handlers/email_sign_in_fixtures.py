"""Fixtures of the email sign-in tests: tenant ``acme`` with email sign-in on (as ``idgate
tenant configure acme --email-sign-in on`` sets it), a cookie-keeping browser on the
composed app, and the sign-in mail read back from the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from idgate.control.organization_settings import change_organization_settings
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.kernel.runtime import Runtime
from idgate.mail.outbox import OutboxMessage, recent_outbox
from idgate.storage import database
from idgate.storage.tables import customers
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.server import build_app
from tests.conftest import TenantFixture
from tests.flows import Authorization, Browser, hidden, new_authorization, query_of

ASK = "/t/acme/email-sign-in"
CODE = "/t/acme/email-sign-in/code"
VERIFY = "/t/acme/email-sign-in/verify"
UNKNOWN_EMAIL = "nobody@example.com"


def configure_email_sign_in(rt: Runtime, slug: str, value: str) -> None:
    with scoped(ALL_TENANTS):
        change_organization_settings(rt, LOCAL_OPERATOR, slug, {"email_sign_in": value})


@pytest.fixture
def email_browser(rt: Runtime, acme: TenantFixture) -> Browser:
    """A browser on a tenant whose policy has email sign-in on."""
    configure_email_sign_in(rt, "acme", "on")
    return Browser(TestClient(build_app(), base_url="http://testserver"))


@dataclass(frozen=True)
class SignInMail:
    message: OutboxMessage
    link: str  # absolute, on the issuer
    code: str

    @property
    def path(self) -> str:
        parts = urlsplit(self.link)
        return f"{parts.path}?{parts.query}"

    @property
    def token(self) -> str:
        return query_of(self.link)["token"]


def sign_in_mail(rt: Runtime, email: str) -> SignInMail:
    """The newest mail to ``email``, which must be an email sign-in mail."""
    with scoped(ALL_TENANTS):
        messages = recent_outbox(rt, to=email, limit=1)
    assert messages, f"no mail to {email}"
    text = messages[0].text_body
    link = re.search(r"http://testserver/t/acme/email-sign-in/verify\?token=\S+", text)
    code = re.search(r"^ {4}(\d{6})$", text, re.MULTILINE)
    assert link and code, text
    return SignInMail(messages[0], link.group(0), code.group(1))


def mail_count(rt: Runtime, email: str) -> int:
    with scoped(ALL_TENANTS):
        return len(recent_outbox(rt, to=email, limit=100))


def start_authorization(browser: Browser) -> tuple[Authorization, str]:
    """An authorization request of ``web`` waiting for a sign-in: it and its interaction."""
    auth = new_authorization()
    first = browser.authorize(auth)
    assert first.headers["location"].startswith("/t/acme/login?"), first.text
    return auth, query_of(first.headers["location"])["interaction"]


def ask_for_sign_in(browser: Browser, email: str, interaction: str = "") -> httpx.Response:
    """Open the email sign-in page and submit ``email``."""
    page = browser.get(f"{ASK}?{urlencode({'interaction': interaction})}")
    assert page.status_code == 200, page.text
    form = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "interaction": hidden(page.text, "interaction"),
        "email": email,
    }
    return browser.post(ASK, form)


def submit_code(browser: Browser, code_page: httpx.Response, code: str) -> httpx.Response:
    form = {name: hidden(code_page.text, name) for name in ("csrf_token", "interaction", "id")}
    return browser.post(CODE, {**form, "code": code})


def open_link(browser: Browser, mail: SignInMail) -> httpx.Response:
    """Open the mailed link and press its button."""
    page = browser.get(mail.path)
    assert page.status_code == 200, page.text
    form = {name: hidden(page.text, name) for name in ("csrf_token", "token")}
    return browser.post(VERIFY, form)


def set_customer(rt: Runtime, email: str, **values: object) -> None:
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        conn.execute(update(customers).where(customers.c.email == email).values(**values))


def email_verified(rt: Runtime, email: str) -> bool:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        query = select(customers.c.email_verified).where(customers.c.email == email)
        return bool(conn.execute(query).scalar_one())
