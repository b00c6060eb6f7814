"""The strict Content-Security-Policy breaks nothing in a real browser: the pages keep their
stylesheet (allowed by hash), and the forms' POSTs still end in the redirect to the relying
party (Chromium applies ``form-action`` to the redirects after a form's POST)."""

from __future__ import annotations

import pytest
from authlib.integrations.httpx_client import OAuth2Client
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import Provider
from tests.browser.test_authlib_relying_party import (
    authorize_interactively,
    new_authorization,
    query_of,
    relying_party,
)

pytestmark = pytest.mark.browser


def test_pages_are_styled_and_the_flow_completes_without_a_csp_violation(
    page: Page, provider: Provider
) -> None:
    web: OAuth2Client = relying_party(provider, "web")
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        console.append(message.text)

    page.on("console", on_console)
    auth = new_authorization(provider, web, prompt="consent")
    login = page.goto(auth.url)
    assert login is not None
    policy = login.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    # The inline stylesheet applies: <main> gets its white card background.
    expect(page.locator("main")).to_have_css("background-color", "rgb(255, 255, 255)")
    page.goto("about:blank")

    response_url = authorize_interactively(page, provider, auth)

    assert query_of(response_url)["state"] == auth.state and query_of(response_url)["code"]
    violations = [text for text in console if "Content Security Policy" in text]
    assert violations == []
