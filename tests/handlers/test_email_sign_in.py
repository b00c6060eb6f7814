"""Email sign-in by a mailed link or 6-digit code (issue #11): the pages under the tenant's
issuer, on SQLite and PostgreSQL (``rt`` runs each test on both)."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select

from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import audit_events, sign_in_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from tests.conftest import FakeClock, TenantFixture
from tests.flows import Browser, hidden, query_of
from tests.handlers.email_sign_in_fixtures import (
    ASK,
    CODE,
    UNKNOWN_EMAIL,
    VERIFY,
    ask_for_sign_in,
    configure_email_sign_in,
    email_browser,
    email_verified,
    mail_count,
    open_link,
    set_customer,
    sign_in_mail,
    start_authorization,
    submit_code,
)

__all__ = ["email_browser"]  # the fixture, used by name


def _resumes_authorization(browser: Browser, signed_in: httpx.Response, state: str) -> None:
    """The sign-in answer sets the session and goes back to the authorization request,
    which ends with a code at the client."""
    assert signed_in.status_code == 302, signed_in.text
    assert signed_in.headers["location"].startswith("/t/acme/authorize/resume?")
    assert "idgate_session" in signed_in.cookies
    params = query_of(browser.follow_to_redirect_uri(signed_in))
    assert params["state"] == state and params["code"]


def test_email_sign_in_pages_are_not_found_while_the_policy_is_off(
    rt: Runtime, email_browser: Browser
) -> None:
    configure_email_sign_in(rt, "acme", "off")

    assert email_browser.get(ASK).status_code == 404
    assert email_browser.get(f"{VERIFY}?token=abc").status_code == 404
    for path in (ASK, VERIFY, CODE):
        assert email_browser.post(path, {"csrf_token": "x"}).status_code == 404


def test_ask_page_keeps_the_authorization_request_and_asks_for_the_email(
    email_browser: Browser,
) -> None:
    _, interaction = start_authorization(email_browser)

    page = email_browser.get(f"{ASK}?interaction={interaction}")

    assert page.status_code == 200
    assert hidden(page.text, "interaction") == interaction
    assert 'autocomplete="email"' in page.text


def test_the_mail_holds_a_link_and_a_code_and_the_page_asks_for_the_code(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    answer = ask_for_sign_in(email_browser, acme.email)

    assert answer.status_code == 200
    assert 'autocomplete="one-time-code"' in answer.text
    assert 'inputmode="numeric"' in answer.text
    mail = sign_in_mail(rt, acme.email)
    assert mail.message.subject == "Sign in to Acme Inc"
    assert mail.message.sender.startswith("Acme Inc <")
    assert mail.link in (mail.message.html_body or "")
    assert mail.code in (mail.message.html_body or "")
    assert hidden(answer.text, "id") != mail.token  # the public id, not the secret


def test_link_signs_in_verifies_the_email_and_resumes_the_authorization(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    set_customer(rt, acme.email, email_verified=False)
    auth, interaction = start_authorization(email_browser)
    ask_for_sign_in(email_browser, acme.email, interaction)
    mail = sign_in_mail(rt, acme.email)

    _resumes_authorization(email_browser, open_link(email_browser, mail), auth.state)

    assert email_verified(rt, acme.email)
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        actions = conn.execute(select(audit_events.c.action)).scalars().all()
        methods = conn.execute(select(sign_in_events.c.method)).scalars().all()
    assert "customer.email_verified" in actions
    assert methods == ["email"]


def test_opening_the_link_does_not_use_it_only_its_button_does(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    ask_for_sign_in(email_browser, acme.email)
    mail = sign_in_mail(rt, acme.email)

    for _ in range(3):  # a mail scanner fetching the link
        prefetched = email_browser.get(mail.path)
        assert prefetched.status_code == 200
        assert "idgate_session" not in prefetched.cookies

    signed_in = open_link(email_browser, mail)
    assert signed_in.status_code == 200  # no authorization request: the signed-in page
    assert "idgate_session" in signed_in.cookies


def test_code_signs_in_and_resumes_the_authorization(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    auth, interaction = start_authorization(email_browser)
    code_page = ask_for_sign_in(email_browser, acme.email, interaction)

    signed_in = submit_code(email_browser, code_page, sign_in_mail(rt, acme.email).code)

    _resumes_authorization(email_browser, signed_in, auth.state)


def test_a_used_link_or_code_is_refused_with_a_way_to_ask_again(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    code_page = ask_for_sign_in(email_browser, acme.email)
    mail = sign_in_mail(rt, acme.email)
    assert open_link(email_browser, mail).status_code == 200

    replayed_get = email_browser.get(mail.path)
    replayed_post = email_browser.post(
        VERIFY, {"csrf_token": hidden(code_page.text, "csrf_token"), "token": mail.token}
    )
    code_after_link = submit_code(email_browser, code_page, mail.code)

    for refused in (replayed_get, replayed_post, code_after_link):
        assert refused.status_code == 400
        assert f'href="{ASK}?interaction=' in refused.text
        assert "idgate_session" not in refused.cookies


def test_a_link_or_code_older_than_ten_minutes_is_refused(
    rt: Runtime, clock: FakeClock, email_browser: Browser, acme: TenantFixture
) -> None:
    code_page = ask_for_sign_in(email_browser, acme.email)
    mail = sign_in_mail(rt, acme.email)
    clock.advance(601)

    assert email_browser.get(mail.path).status_code == 400
    expired_code = submit_code(email_browser, code_page, mail.code)
    assert expired_code.status_code == 400
    assert "expired" in expired_code.text


@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:20], lambda t: ""]
)
def test_a_tampered_link_is_refused_and_the_real_one_still_works(
    rt: Runtime, email_browser: Browser, acme: TenantFixture, tamper: object
) -> None:
    code_page = ask_for_sign_in(email_browser, acme.email)
    mail = sign_in_mail(rt, acme.email)
    forged = tamper(mail.token)  # type: ignore[operator]
    csrf = hidden(code_page.text, "csrf_token")

    assert email_browser.get(f"{VERIFY}?token={forged}").status_code == 400
    refused = email_browser.post(VERIFY, {"csrf_token": csrf, "token": forged})
    assert refused.status_code == 400 and "idgate_session" not in refused.cookies
    assert open_link(email_browser, mail).status_code == 200


def test_a_wrong_code_says_how_many_attempts_are_left_and_the_fifth_burns_it(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    code_page = ask_for_sign_in(email_browser, acme.email)
    right = sign_in_mail(rt, acme.email).code
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    for left in (4, 3, 2, 1):
        code_page = submit_code(email_browser, code_page, wrong)
        assert code_page.status_code == 400
        assert f"{left} attempt{'s' if left > 1 else ''} left" in code_page.text
    burnt = submit_code(email_browser, code_page, wrong)
    assert burnt.status_code == 400 and "Too many wrong codes" in burnt.text
    too_late = submit_code(email_browser, code_page, right)
    assert too_late.status_code == 400 and "idgate_session" not in too_late.cookies


def test_an_authorization_request_expired_meanwhile_still_signs_in_to_the_account(
    rt: Runtime, clock: FakeClock, email_browser: Browser, acme: TenantFixture
) -> None:
    _, interaction = start_authorization(email_browser)
    clock.advance(300)
    ask_for_sign_in(email_browser, acme.email, interaction)
    clock.advance(301)  # the authorization request's 10 minutes are over, not the link's

    signed_in = open_link(email_browser, sign_in_mail(rt, acme.email))

    assert signed_in.status_code == 200
    assert "idgate_session" in signed_in.cookies
    assert 'href="http://testserver/t/acme/account"' in signed_in.text


def test_unknown_and_disabled_emails_get_no_mail_and_their_codes_fail_like_wrong_ones(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    set_customer(rt, acme.email, disabled=True)
    for email in (UNKNOWN_EMAIL, acme.email):
        code_page = ask_for_sign_in(email_browser, email)
        assert code_page.status_code == 200
        assert mail_count(rt, email) == 0
        for left in (4, 3, 2, 1):
            code_page = submit_code(email_browser, code_page, "123456")
            assert f"{left} attempt" in code_page.text
        assert "Too many wrong codes" in submit_code(email_browser, code_page, "123456").text


def test_too_many_requests_get_429_with_retry_after_for_existing_and_unknown_emails(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    per_email = rt.settings.account_requests_per_email
    for email in (acme.email, UNKNOWN_EMAIL):
        for _ in range(per_email):
            assert ask_for_sign_in(email_browser, email).status_code == 200
        limited = ask_for_sign_in(email_browser, email)
        assert limited.status_code == 429
        assert 0 < int(limited.headers["retry-after"]) <= 3600
    assert mail_count(rt, acme.email) == per_email


def test_posts_without_the_csrf_token_are_refused(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    code_page = ask_for_sign_in(email_browser, acme.email)
    mail = sign_in_mail(rt, acme.email)

    asked = email_browser.post(ASK, {"email": acme.email})
    linked = email_browser.post(VERIFY, {"token": mail.token, "csrf_token": "forged"})
    coded = email_browser.post(CODE, {"id": hidden(code_page.text, "id"), "code": mail.code})

    assert [r.status_code for r in (asked, linked, coded)] == [403, 403, 403]
    assert mail_count(rt, acme.email) == 1
    assert open_link(email_browser, mail).status_code == 200  # nothing was used


@pytest.mark.parametrize("value", ["\x00", "x" * 5000, "é" * 40, " ", "%00"])
def test_malformed_values_never_get_a_server_error(
    rt: Runtime, email_browser: Browser, acme: TenantFixture, value: str
) -> None:
    code_page = ask_for_sign_in(email_browser, acme.email)
    csrf = hidden(code_page.text, "csrf_token")

    answers = [
        email_browser.get(f"{ASK}?{urlencode({'interaction': value})}"),
        email_browser.get(f"{VERIFY}?{urlencode({'token': value})}"),
        email_browser.post(ASK, {"csrf_token": csrf, "email": value, "interaction": value}),
        email_browser.post(VERIFY, {"csrf_token": csrf, "token": value}),
        email_browser.post(CODE, {"csrf_token": csrf, "id": value, "code": value}),
        email_browser.post(
            CODE, {"csrf_token": csrf, "id": hidden(code_page.text, "id"), "code": value}
        ),
    ]

    assert all(answer.status_code < 500 for answer in answers), [
        (answer.status_code, answer.text[:200]) for answer in answers
    ]
