"""End to end, sign-up, email verification and password reset in Debian chromium against a
live ``idgate serve`` (issue #11), with authlib as the relying party: a newcomer follows
the sign-in page's "Create account" link, reads the verification mail from the outbox
(``idgate mail outbox --json``), verifies, signs in and lands back at the relying party with
a code; a customer who forgot the password resets it by mail, after which the refresh
token they held gets ``invalid_grant``.

The tenant's sign-up is opened with ``idgate tenant configure``, as an operator would.
Each test has its own customer, so the shared tenant's other tests never see its changes.
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
from playwright.sync_api import Page, expect

from tests.browser.conftest import SLUG, Provider
from tests.browser.test_authlib_relying_party import (
    AuthorizationRequest,
    exchange_code,
    new_authorization,
    query_of,
    refresh_error,
    relying_party,
    validate_id_token,
)

pytestmark = pytest.mark.browser

PASSWORD = "sign-up-password-2024"
NEW_PASSWORD = "reset-password-after-2025"
POLICY_SEEN_WITHIN = 15.0  # seconds: the server's tenant cache holds the old policy a while


@pytest.fixture
def web(provider: Provider) -> Iterator[OAuth2Client]:
    with relying_party(provider, "web") as client:
        yield client


@pytest.fixture
def sign_up_open(provider: Provider) -> None:
    """Tenant ``shop`` lets customers sign up, once the running server has seen it."""
    provider.idgate("tenant", "configure", SLUG, "--sign-up", "open")
    deadline = time.monotonic() + POLICY_SEEN_WITHIN
    while httpx.get(f"{provider.issuer}/signup", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the server did not open sign-up"
        time.sleep(0.2)


def new_email(name: str) -> str:
    return f"{name}-{secrets.token_hex(4)}@example.com"


def mailed_link(provider: Provider, email: str, path: str) -> str:
    """The link to ``{issuer}/{path}`` in the newest mail to ``email`` that has one."""
    mails: list[dict[str, Any]] = json.loads(
        provider.idgate("mail", "outbox", "--to", email, "--json")
    )
    pattern = re.compile(rf"{re.escape(provider.issuer)}/{path}\?\S+")
    for mail in mails:
        found = pattern.search(mail["text"])
        if found:
            return found.group(0)
    raise AssertionError(f"no mail to {email} links to {path}: {mails}")


def sign_in_and_allow(page: Page, provider: Provider, email: str, password: str) -> str:
    """On the sign-in page: sign in, allow if asked; the authorization response URL."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()
    consent_page = f"{provider.issuer}/consent?"
    page.wait_for_url(lambda url: url.startswith((consent_page, provider.rp_url)))
    if page.url.startswith(consent_page):
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{provider.rp_url}/**")
    return page.url


def tokens_for(
    page: Page, provider: Provider, web: OAuth2Client, email: str, password: str
) -> tuple[AuthorizationRequest, dict[str, Any]]:
    auth = new_authorization(provider, web)
    page.goto(auth.url)
    return auth, exchange_code(
        provider, web, auth, sign_in_and_allow(page, provider, email, password)
    )


@pytest.mark.usefixtures("sign_up_open")
def test_sign_up_verify_and_sign_in_land_back_at_the_relying_party_with_a_code(
    page: Page, provider: Provider, web: OAuth2Client
) -> None:
    email = new_email("erin")
    auth = new_authorization(provider, web)
    page.goto(auth.url)
    page.get_by_role("link", name="Create account").click()
    page.fill("#name", "Erin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(mailed_link(provider, email, "verify"))
    page.get_by_role("button", name="Verify email").click()
    # Back on the sign-in page of the request the newcomer signed up from.
    response_url = sign_in_and_allow(page, provider, email, PASSWORD)

    assert query_of(response_url)["state"] == auth.state
    token = exchange_code(provider, web, auth, response_url)
    claims = validate_id_token(provider, token, "web", auth.nonce)
    assert claims["email"] == email
    assert claims["email_verified"] is True


def test_forgot_and_reset_password_then_the_old_refresh_token_gets_invalid_grant(
    page: Page, provider: Provider, web: OAuth2Client
) -> None:
    email = new_email("frank")
    provider.idgate(
        "user", "create", SLUG, "--email", email, "--password", PASSWORD, "--name", "Frank"
    )
    _, before = tokens_for(page, provider, web, email, PASSWORD)

    page.goto(f"{provider.issuer}/password/forgot")
    page.fill("#email", email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(mailed_link(provider, email, "password/reset"))
    page.fill("#password", NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    assert refresh_error(provider, web, before["refresh_token"]) == "invalid_grant"
    _, after = tokens_for(page, provider, web, email, NEW_PASSWORD)
    assert after["refresh_token"] != before["refresh_token"]
