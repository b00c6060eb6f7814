"""Forgot password and password reset, on the authorize function's pages
(``functions.authorize.password_reset_routes``), on SQLite and PostgreSQL; the token
function answers for the refresh tokens a reset revokes."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from tests.conftest import WEB_SECRET, FakeClock, TenantFixture
from tests.flows import WEB_REDIRECT, Browser, basic, hidden, new_authorization, query_of
from tests.handlers.self_service_fixtures import (
    NEW_EMAIL,
    NEW_PASSWORD,
    audited,
    customer,
    fill,
    link_mailed_to,
    mailed_link,
    mails_to,
    open_sign_up_pages,
    sign_up,
    start_sign_in,
    token_of,
)

FORGOT = "/t/acme/password/forgot"


@pytest.fixture
def pages(rt: Runtime, acme: TenantFixture, monkeypatch: pytest.MonkeyPatch) -> Browser:
    return open_sign_up_pages(rt, monkeypatch)


def _forgot(pages: Browser, email: str, interaction: str = "") -> httpx.Response:
    return fill(pages, f"{FORGOT}?interaction={interaction}", FORGOT, email=email)


def _reset_link(rt: Runtime, email: str) -> str:
    return link_mailed_to(rt, email, "password/reset")


def _reset(pages: Browser, link: str, password: str = NEW_PASSWORD) -> httpx.Response:
    return fill(pages, link, "/t/acme/password/reset", password=password)


def _refresh_token(pages: Browser, tokens: TestClient, acme: TenantFixture) -> str:
    auth = new_authorization()
    code = query_of(pages.sign_in(auth, acme.email, acme.password))["code"]
    answer = _token(
        tokens,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": WEB_REDIRECT,
            "code_verifier": auth.verifier,
        },
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["refresh_token"])


def _token(tokens: TestClient, data: dict[str, str]) -> httpx.Response:
    return tokens.post("/t/acme/token", data=data, headers=basic("web", WEB_SECRET))


@pytest.fixture
def tokens() -> TestClient:
    from functions.token.app import app

    return TestClient(app, base_url="http://testserver")


def test_forgot_password_form_asks_for_the_email(pages: Browser) -> None:
    page = pages.get(f"{FORGOT}?interaction=abc")

    assert page.status_code == 200
    assert 'type="email" autocomplete="username"' in page.text
    assert hidden(page.text, "interaction") == "abc"


def test_forgot_password_mails_a_reset_link(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    response = _forgot(pages, acme.email)

    assert response.status_code == 200
    assert "Check your email" in response.text
    (mail,) = mails_to(rt, acme.email)
    assert mail.subject == "Reset your password for Acme Inc"
    assert token_of(mailed_link(mail, "password/reset"))


def test_forgot_password_for_an_unknown_email_answers_the_same_and_mails_no_link(
    pages: Browser, rt: Runtime
) -> None:
    response = _forgot(pages, NEW_EMAIL)

    assert response.status_code == 200
    assert "Check your email" in response.text
    (notice,) = mails_to(rt, NEW_EMAIL)
    assert "no account uses it" in notice.text_body
    assert "/password/reset" not in notice.text_body
    assert mailed_link(notice, "signup")  # sign-up is open for acme


def test_the_reset_link_shows_the_form_without_using_the_link(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    _forgot(pages, acme.email)
    link = _reset_link(rt, acme.email)

    for _ in range(2):  # a mail scanner's fetch, then the customer's
        page = pages.get(link)
        assert page.status_code == 200
        assert 'autocomplete="new-password"' in page.text
        assert f'autocomplete="username" readonly value="{acme.email}"' in page.text


def test_a_reset_sets_the_password_and_ends_every_session_and_refresh_token(
    pages: Browser, tokens: TestClient, rt: Runtime, acme: TenantFixture
) -> None:
    refresh_token = _refresh_token(pages, tokens, acme)
    _forgot(pages, acme.email)

    response = _reset(pages, _reset_link(rt, acme.email))

    assert response.status_code == 200, response.text
    assert "Password changed" in response.text
    refreshed = _token(tokens, {"grant_type": "refresh_token", "refresh_token": refresh_token})
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    # The browser's session is gone too: the next request asks to sign in again.
    assert pages.authorize(new_authorization()).headers["location"].startswith("/t/acme/login?")
    assert pages.sign_in(new_authorization(), acme.email, NEW_PASSWORD).startswith(
        "https://app.example.com/callback?code="
    )
    assert audited(rt, "customer.password_reset") == [acme.email]
    subjects = [mail.subject for mail in mails_to(rt, acme.email)]
    assert "Your Acme Inc password was changed" in subjects


def test_the_old_password_no_longer_signs_in_after_a_reset(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    _forgot(pages, acme.email)
    _reset(pages, _reset_link(rt, acme.email))
    login = pages.authorize(new_authorization()).headers["location"]

    assert pages.submit_login(login, acme.email, acme.password).status_code == 401


def test_a_reset_returns_to_the_sign_in_page_of_the_pending_request(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    interaction = start_sign_in(pages)
    _forgot(pages, acme.email, interaction)

    response = _reset(pages, _reset_link(rt, acme.email))

    assert response.status_code == 302
    assert response.headers["location"] == f"/t/acme/login?interaction={interaction}"


def test_a_reset_clears_the_sign_in_lockout_of_the_email(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    login = pages.authorize(new_authorization()).headers["location"]
    while pages.submit_login(login, acme.email, "wrong password").text.count("Too many") == 0:
        pass
    _forgot(pages, acme.email)

    _reset(pages, _reset_link(rt, acme.email))

    redirect = pages.sign_in(new_authorization(), acme.email, NEW_PASSWORD)
    assert redirect.startswith("https://app.example.com/callback?code=")


def test_a_reset_marks_the_email_verified(pages: Browser, rt: Runtime) -> None:
    sign_up(pages, NEW_EMAIL, password="first passphrase here")
    _forgot(pages, NEW_EMAIL)

    _reset(pages, _reset_link(rt, NEW_EMAIL))

    assert customer(rt, NEW_EMAIL).email_verified is True  # type: ignore[union-attr]
    assert pages.sign_in(new_authorization(), NEW_EMAIL, NEW_PASSWORD).startswith(
        "https://app.example.com/callback?code="
    )


def test_a_reset_refuses_a_common_password_and_the_link_still_works(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    _forgot(pages, acme.email)
    link = _reset_link(rt, acme.email)

    refused = _reset(pages, link, "password123")

    assert refused.status_code == 400
    assert "most common passwords" in refused.text
    assert _reset(pages, link).status_code == 200


@pytest.mark.parametrize("defect", ["used", "expired", "tampered", "missing"])
def test_a_reset_link_that_cannot_be_used_gets_a_page_with_a_way_to_ask_again(
    pages: Browser, rt: Runtime, clock: FakeClock, acme: TenantFixture, defect: str
) -> None:
    _forgot(pages, acme.email)
    link = _reset_link(rt, acme.email)
    if defect == "used":
        _reset(pages, link)
    elif defect == "expired":
        clock.advance(30 * 60 + 1)
    elif defect == "tampered":
        link = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    else:
        link = "/t/acme/password/reset"

    page = pages.get(link)

    assert page.status_code == 400
    assert "This link no longer works" in page.text
    assert f'href="{FORGOT}"' in page.text


def test_posting_a_used_reset_link_changes_nothing(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    _forgot(pages, acme.email)
    link = _reset_link(rt, acme.email)
    form = pages.get(link)
    _reset(pages, link)

    again = pages.post(
        "/t/acme/password/reset",
        {
            "csrf_token": hidden(form.text, "csrf_token"),
            "token": token_of(link),
            "password": "a third passphrase here",
        },
    )

    assert again.status_code == 400
    assert "This link no longer works" in again.text
    assert pages.sign_in(new_authorization(), acme.email, NEW_PASSWORD).startswith(
        "https://app.example.com/callback?code="
    )


def test_a_reset_without_the_csrf_token_is_refused(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    _forgot(pages, acme.email)
    link = _reset_link(rt, acme.email)
    pages.get(link)

    response = pages.post(
        "/t/acme/password/reset",
        {"csrf_token": "forged", "token": token_of(link), "password": NEW_PASSWORD},
    )

    assert response.status_code == 403
    assert pages.get(link).status_code == 200  # not used


def test_forgot_password_without_the_csrf_token_is_refused(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    pages.get(FORGOT)

    response = pages.post(FORGOT, {"csrf_token": "forged", "email": acme.email})

    assert response.status_code == 403
    assert mails_to(rt, acme.email) == []


@pytest.mark.parametrize("taken", [False, True], ids=["unknown", "existing"])
def test_forgot_password_past_the_per_email_limit_answers_429_with_retry_after(
    pages: Browser, rt: Runtime, acme: TenantFixture, taken: bool
) -> None:
    email = acme.email if taken else NEW_EMAIL
    for _ in range(rt.settings.account_requests_per_email):
        assert _forgot(pages, email).status_code == 200

    response = _forgot(pages, email)

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many requests" in response.text


def test_forgot_password_with_what_cannot_be_an_email_asks_again(pages: Browser) -> None:
    response = _forgot(pages, "not-an-address")

    assert response.status_code == 400
    assert "a valid email address is required" in response.text
