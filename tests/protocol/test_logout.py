"""RP-Initiated Logout 1.0: the session ends, its tokens are revoked, and the browser returns
only to a registered post_logout_redirect_uri with state."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from tests.conftest import WEB_SECRET, TenantFixture
from tests.flows import (
    WEB_REDIRECT,
    Browser,
    basic,
    hidden,
    new_authorization,
    query_of,
    token_request,
)


def _signed_in_tokens(browser: Browser, acme: TenantFixture) -> dict[str, str]:
    auth = new_authorization()
    code = query_of(browser.sign_in(auth, acme.email, acme.password))["code"]
    response = token_request(
        browser.client,
        "acme",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": WEB_REDIRECT,
            "code_verifier": auth.verifier,
        },
        basic("web", WEB_SECRET),
    )
    return response.json()


def _introspect(browser: Browser, token: str) -> httpx.Response:
    return browser.client.post(
        "/t/acme/introspect", data={"token": token}, headers=basic("web", WEB_SECRET)
    )


def test_logout_with_id_token_hint_ends_session_and_revokes_its_tokens(
    browser: Browser, acme: TenantFixture
) -> None:
    tokens = _signed_in_tokens(browser, acme)
    query = urlencode(
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://app.example.com/bye",
            "state": "s-123",
        }
    )
    response = browser.get(f"/t/acme/logout?{query}")
    assert response.status_code == 302
    assert response.headers["location"] == "https://app.example.com/bye?state=s-123"
    after = browser.authorize(new_authorization(prompt="none"))
    assert query_of(after.headers["location"])["error"] == "login_required"
    assert _introspect(browser, tokens["access_token"]).json() == {"active": False}
    refreshed = token_request(
        browser.client,
        "acme",
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
        },
        basic("web", WEB_SECRET),
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


def test_unregistered_post_logout_redirect_uri_is_an_error_page(
    browser: Browser, acme: TenantFixture
) -> None:
    tokens = _signed_in_tokens(browser, acme)
    query = urlencode(
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://evil.example.com/",
        }
    )
    response = browser.get(f"/t/acme/logout?{query}")
    assert response.status_code == 400 and "location" not in response.headers
    assert (
        browser.authorize(new_authorization(prompt="none")).headers["location"].count("code=") == 1
    )


def test_post_logout_redirect_uri_without_client_is_refused(browser: Browser) -> None:
    response = browser.get(
        "/t/acme/logout?post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2Fbye"
    )
    assert response.status_code == 400 and "location" not in response.headers


def test_forged_id_token_hint_is_refused(browser: Browser) -> None:
    response = browser.get("/t/acme/logout?id_token_hint=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
    assert response.status_code == 400


def test_logout_without_hint_asks_for_confirmation_then_ends_session(
    browser: Browser, acme: TenantFixture
) -> None:
    _signed_in_tokens(browser, acme)
    page = browser.get(
        "/t/acme/logout?client_id=web&post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2Fbye"
    )
    assert page.status_code == 200 and "Sign out?" in page.text
    still_in = browser.authorize(new_authorization(prompt="none"))
    assert "code=" in still_in.headers["location"]
    response = browser.post(
        "/t/acme/logout",
        {
            "csrf_token": hidden(page.text, "csrf_token"),
            "client_id": "web",
            "post_logout_redirect_uri": "https://app.example.com/bye",
        },
    )
    assert (
        response.status_code == 302
        and response.headers["location"] == "https://app.example.com/bye"
    )
    after = browser.authorize(new_authorization(prompt="none"))
    assert query_of(after.headers["location"])["error"] == "login_required"


def test_logout_confirmation_requires_csrf_token(browser: Browser, acme: TenantFixture) -> None:
    _signed_in_tokens(browser, acme)
    response = browser.post("/t/acme/logout", {"csrf_token": "forged"})
    assert response.status_code == 403
    assert "code=" in browser.authorize(new_authorization(prompt="none")).headers["location"]


def test_logout_without_session_shows_signed_out_page(browser: Browser) -> None:
    response = browser.get("/t/acme/logout")
    assert response.status_code == 200 and "signed out" in response.text


def test_an_empty_post_logout_redirect_uri_is_absent_not_a_redirect_to_the_query(
    browser: Browser,
) -> None:
    # Found by tests/protocol/test_no_server_error_on_any_input.py: "" passed the
    # registration check and the browser was sent to "?state=xyz".
    response = browser.get("/t/acme/logout?post_logout_redirect_uri=&state=xyz")
    assert response.status_code == 200 and "location" not in response.headers
    assert "signed out" in response.text


def test_a_non_ascii_csrf_token_is_refused_not_a_server_error(
    browser: Browser, acme: TenantFixture
) -> None:
    # Found by tests/protocol/test_no_server_error_on_any_input.py: hmac.compare_digest
    # raised TypeError on a non-ASCII str (a 500) instead of the CSRF refusal.
    _signed_in_tokens(browser, acme)  # the pages set the CSRF cookie
    response = browser.post("/t/acme/logout", {"csrf_token": "\u00e9t\u00e9"})
    assert response.status_code == 403
    assert "code=" in browser.authorize(new_authorization(prompt="none")).headers["location"]
