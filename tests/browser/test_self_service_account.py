"""End to end, the account page ``{issuer}/account`` in Debian chromium against a live
``idgate serve`` (issue #11), with authlib as the relying party: the page signs in first;
the customer edits the profile and the password, signs out another browser's session (whose
``prompt=none`` then gets ``login_required`` at the relying party), signs out the other
sessions, revokes an application (whose refresh token then gets ``invalid_grant``) and
deletes the account.

Each test has its own customer (created with the CLI), so the shared tenant's other tests
never see a changed password or a deleted account.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from authlib.integrations.httpx_client import OAuth2Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import SLUG, Provider
from tests.browser.test_authlib_relying_party import (
    authorize_silently,
    exchange_code,
    new_authorization,
    query_of,
    refresh_error,
    relying_party,
)

pytestmark = pytest.mark.browser

PASSWORD = "account-page-password-1"
NEW_PASSWORD = "a-much-newer-password-77"


def new_customer(provider: Provider, name: str = "Dora") -> str:
    email = f"{name.lower()}-{secrets.token_hex(4)}@example.com"
    provider.idgate(
        "user", "create", SLUG, "--email", email, "--password", PASSWORD, "--name", name
    )
    return email


@pytest.fixture
def web(provider: Provider) -> Iterator[OAuth2Client]:
    with relying_party(provider, "web") as client:
        yield client


@pytest.fixture
def contexts(browser: Browser) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    """Two browsers that share nothing (two people, or one person's laptop and phone)."""
    first, second = browser.new_context(), browser.new_context()
    for context in (first, second):
        context.set_default_timeout(10_000)
    yield first, second
    first.close()
    second.close()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()


def open_account(page: Page, provider: Provider, email: str) -> None:
    """Open the account page; it asks to sign in first, then comes back."""
    page.goto(f"{provider.issuer}/account")
    sign_in(page, email)
    page.wait_for_url(f"{provider.issuer}/account")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def notice(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_have_text(text)


def rp_sign_in(page: Page, provider: Provider, web: OAuth2Client, email: str) -> dict[str, str]:
    """Sign in at the relying party ``web`` (allowing it when asked); its tokens."""
    auth = new_authorization(provider, web)
    page.goto(auth.url)
    sign_in(page, email)
    consent = f"{provider.issuer}/consent?"
    page.wait_for_url(lambda url: url.startswith((consent, provider.rp_url)))
    if page.url.startswith(consent):
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{provider.rp_url}/**")
    return exchange_code(provider, web, auth, page.url)


def silent_answer(page: Page, provider: Provider, web: OAuth2Client) -> dict[str, str]:
    """The relying party's ``prompt=none`` request, answered without a page."""
    silent = new_authorization(provider, web, prompt="none")
    return query_of(authorize_silently(page, provider, silent))


def test_the_customer_edits_the_profile_and_the_password(page: Page, provider: Provider) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    email = new_customer(provider)
    open_account(page, provider, email)
    expect(page.locator("#email")).to_have_value(email)
    # The strict CSP keeps the page styled (its stylesheet by hash) and finds nothing to block.
    expect(page.locator("main")).to_have_css("background-color", "rgb(255, 255, 255)")

    page.fill("#name", "Dora Explorer")
    page.get_by_role("button", name="Save profile").click()
    notice(page, "Your profile is saved.")
    expect(page.locator("#name")).to_have_value("Dora Explorer")

    page.fill("#email", f"new-{email}")
    page.get_by_role("button", name="Save profile").click()
    notice(page, "We sent a link to the new address. Your email changes when you open it.")
    expect(page.locator("#email")).to_have_value(email)  # until the link is used

    page.fill("#current_password", "not-my-password")
    page.fill("#new_password", NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_have_text("Your current password is not correct.")

    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    notice(page, "Your password is changed, and your other sessions are signed out.")
    assert not [text for text in console if "Content Security Policy" in text], console


def test_signing_out_another_browsers_session_makes_its_silent_sign_in_login_required(
    contexts: tuple[BrowserContext, BrowserContext], provider: Provider, web: OAuth2Client
) -> None:
    email = new_customer(provider, "Erin")
    laptop, phone = (context.new_page() for context in contexts)
    rp_sign_in(phone, provider, web, email)
    assert "code" in silent_answer(phone, provider, web)  # the phone's session holds

    open_account(laptop, provider, email)
    sessions = laptop.get_by_role("listitem").filter(has=laptop.get_by_text("IP "))
    expect(sessions).to_have_count(2)
    other = sessions.filter(has_not_text="this browser")
    expect(other).to_contain_text("Chrome on Linux")
    other.get_by_role("button", name="Sign out").click()
    notice(laptop, "That session is signed out.")
    expect(sessions).to_have_count(1)
    expect(sessions).to_contain_text("this browser")

    answer = silent_answer(phone, provider, web)
    assert answer["error"] == "login_required"
    assert answer["iss"] == provider.issuer


def test_sign_out_other_sessions_keeps_this_browser_signed_in(
    contexts: tuple[BrowserContext, BrowserContext], provider: Provider, web: OAuth2Client
) -> None:
    email = new_customer(provider, "Fay")
    laptop, phone = (context.new_page() for context in contexts)
    tokens = rp_sign_in(phone, provider, web, email)
    open_account(laptop, provider, email)

    laptop.get_by_role("button", name="Sign out other sessions").click()
    notice(laptop, "Your other sessions are signed out.")
    assert silent_answer(phone, provider, web)["error"] == "login_required"
    assert refresh_error(provider, web, tokens["refresh_token"]) == "invalid_grant"
    laptop.goto(f"{provider.issuer}/account")
    expect(laptop.get_by_role("heading", name="Your account")).to_be_visible()


def test_revoking_an_authorized_application_makes_its_refresh_token_invalid_grant(
    page: Page, provider: Provider, web: OAuth2Client
) -> None:
    email = new_customer(provider, "Gus")
    tokens = rp_sign_in(page, provider, web, email)
    page.goto(f"{provider.issuer}/account")  # signed in already: no sign-in page
    expect(page.get_by_text("Shop Web")).to_be_visible()

    page.get_by_role("button", name="Revoke Shop Web").click()
    notice(page, "The application can no longer access your account.")
    expect(page.get_by_text("No applications have access to your account.")).to_be_visible()
    assert refresh_error(provider, web, tokens["refresh_token"]) == "invalid_grant"


def test_deleting_the_account_needs_the_password_then_signs_out_for_good(
    page: Page, provider: Provider
) -> None:
    email = new_customer(provider, "Hal")
    open_account(page, provider, email)
    page.fill("#delete_password", "not-my-password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert")).to_have_text("Your current password is not correct.")

    page.fill("#delete_password", PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Account deleted")).to_be_visible()

    page.goto(f"{provider.issuer}/account")
    sign_in(page, email)
    expect(page.get_by_role("alert")).to_have_text("The email or password is incorrect.")
