"""End to end, email sign-in in Debian chromium against a live ``idgate serve`` (issue #11),
with authlib as the relying party: from the sign-in page's "Email me a sign-in link", a
customer asks for a mail, reads it from the outbox (``idgate mail outbox --json``), and
signs in once with the link and once with the 6-digit code; each time the relying party
gets an authorization code back and redeems it.

The tenant's email sign-in is turned on with ``idgate tenant configure``, as an operator
would. The code sign-in happens in a second browser after the customer has allowed the
application, so its form's POST ends in a redirect straight to the relying party: the
page's CSP ``form-action`` must allow it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import SLUG, Provider
from tests.browser.test_authlib_relying_party import (
    exchange_code,
    new_authorization,
    query_of,
    relying_party,
    validate_id_token,
)

pytestmark = pytest.mark.browser

POLICY_SEEN_WITHIN = 15.0  # seconds: the server's tenant cache holds the old policy a while


@pytest.fixture
def web(provider: Provider) -> Iterator[OAuth2Client]:
    with relying_party(provider, "web") as client:
        yield client


@pytest.fixture
def email_sign_in_on(provider: Provider) -> None:
    """Tenant ``shop`` lets customers sign in by email, once the running server has seen it."""
    provider.idgate("tenant", "configure", SLUG, "--email-sign-in", "on")
    deadline = time.monotonic() + POLICY_SEEN_WITHIN
    while httpx.get(f"{provider.issuer}/email-sign-in", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the server did not turn email sign-in on"
        time.sleep(0.2)


def new_customer(provider: Provider) -> str:
    email = f"dana-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(16)
    provider.idgate("user", "create", SLUG, "--email", email, "--password", password)
    return email


def mailed_link_and_code(provider: Provider, email: str) -> tuple[str, str]:
    """The sign-in link and code of the newest mail to ``email``."""
    mails: list[dict[str, Any]] = json.loads(
        provider.idgate("mail", "outbox", "--to", email, "--limit", "1", "--json")
    )
    assert mails, f"no mail to {email}"
    text = mails[0]["text"]
    link = re.search(rf"{re.escape(provider.issuer)}/email-sign-in/verify\?token=\S+", text)
    code = re.search(r"^ {4}(\d{6})$", text, re.MULTILINE)
    assert link and code, text
    assert link.group(0) in mails[0]["html"] and code.group(1) in mails[0]["html"]
    return link.group(0), code.group(1)


def ask_for_mail(page: Page, email: str) -> None:
    """From the sign-in page, ask for a sign-in mail."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("link", name="Email me a sign-in link").click()
    page.fill("#email", email)
    page.get_by_role("button", name="Email me a link and a code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()


def allow_if_asked(page: Page, provider: Provider) -> str:
    """The authorization response URL, allowing the application if the provider asks."""
    consent_page = f"{provider.issuer}/consent?"
    page.wait_for_url(lambda url: url.startswith((consent_page, provider.rp_url)))
    if page.url.startswith(consent_page):
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{provider.rp_url}/**")
    return page.url


@pytest.mark.usefixtures("email_sign_in_on")
def test_email_sign_in_by_link_then_by_code_each_give_the_relying_party_a_code(
    page: Page, browser: Browser, provider: Provider, web: OAuth2Client
) -> None:
    email = new_customer(provider)

    by_link = new_authorization(provider, web)
    page.goto(by_link.url)
    ask_for_mail(page, email)
    link, _ = mailed_link_and_code(provider, email)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()  # opening the link used nothing
    response_url = allow_if_asked(page, provider)

    assert query_of(response_url)["state"] == by_link.state
    token = exchange_code(provider, web, by_link, response_url)
    claims = validate_id_token(provider, token, "web", by_link.nonce)

    other_browser = browser.new_context()
    try:
        second = other_browser.new_page()
        second.set_default_timeout(10_000)
        by_code = new_authorization(provider, web)
        second.goto(by_code.url)
        ask_for_mail(second, email)
        _, code = mailed_link_and_code(provider, email)
        second.fill("#code", code)
        second.get_by_role("button", name="Sign in").click()
        # Allowed already: the code form's POST ends at the relying party, no page between.
        second.wait_for_url(f"{provider.rp_url}/**")
        again = exchange_code(provider, web, by_code, second.url)
    finally:
        other_browser.close()

    assert query_of(second.url)["state"] == by_code.state
    assert validate_id_token(provider, again, "web", by_code.nonce)["sub"] == claims["sub"]


@pytest.mark.usefixtures("email_sign_in_on")
def test_a_used_sign_in_link_shows_a_page_to_ask_again(page: Page, provider: Provider) -> None:
    email = new_customer(provider)
    page.goto(f"{provider.issuer}/email-sign-in")
    page.fill("#email", email)
    page.get_by_role("button", name="Email me a link and a code").click()
    link, _ = mailed_link_and_code(provider, email)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="You are signed in")).to_be_visible()

    page.goto(link)

    expect(page.get_by_role("alert")).to_contain_text("expired or was already used")
    page.get_by_role("link", name="Email me a new sign-in link").click()
    expect(page.get_by_role("heading", name="Sign in by email")).to_be_visible()
