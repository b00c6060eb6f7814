"""End-user authentication at the OP (OIDC Core §3.1.2.3): the login form, the browser SSO
session, prompt=none/login/consent, max_age and login_hint; no user enumeration."""

from __future__ import annotations

import httpx
import jwt
import pytest
from sqlalchemy import select

from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import audit_events, sign_in_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from tests.conftest import WEB_SECRET, FakeClock, TenantFixture
from tests.flows import (
    WEB_REDIRECT,
    Browser,
    basic,
    hidden,
    new_authorization,
    query_of,
    token_request,
)


def _id_token(browser: Browser, code: str, verifier: str) -> dict[str, object]:
    response = token_request(
        browser.client,
        "acme",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": WEB_REDIRECT,
            "code_verifier": verifier,
        },
        basic("web", WEB_SECRET),
    )
    assert response.status_code == 200, response.text
    return jwt.decode(response.json()["id_token"], options={"verify_signature": False})


def test_login_form_has_typed_autocomplete_fields_and_csrf_token(browser: Browser) -> None:
    first = browser.authorize(new_authorization())
    page = browser.get(first.headers["location"])
    assert page.status_code == 200
    assert 'type="email"' in page.text and 'autocomplete="username"' in page.text
    assert 'type="password"' in page.text and 'autocomplete="current-password"' in page.text
    assert hidden(page.text, "csrf_token")
    assert page.headers["x-frame-options"] == "DENY"


def test_login_without_matching_csrf_token_is_refused(
    browser: Browser, acme: TenantFixture
) -> None:
    first = browser.authorize(new_authorization())
    page = browser.get(first.headers["location"])
    response = browser.post(
        "/t/acme/login",
        {
            "interaction": hidden(page.text, "interaction"),
            "csrf_token": "forged",
            "email": acme.email,
            "password": acme.password,
        },
    )
    assert response.status_code == 403
    assert "idgate_session" not in response.cookies


def test_failed_login_does_not_reveal_whether_the_email_exists(
    browser: Browser, acme: TenantFixture
) -> None:
    first = browser.authorize(new_authorization())
    wrong_password = browser.submit_login(first.headers["location"], acme.email, "wrong password")
    unknown_email = browser.submit_login(
        first.headers["location"], "nobody@example.com", "wrong password"
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert "The email or password is incorrect." in wrong_password.text
    assert wrong_password.text.replace(acme.email, "") == unknown_email.text.replace(
        "nobody@example.com", ""
    )


def test_session_cookie_is_httponly_and_scoped_to_the_tenant(
    browser: Browser, acme: TenantFixture
) -> None:
    first = browser.authorize(new_authorization())
    response = browser.submit_login(first.headers["location"], acme.email, acme.password)
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("idgate_session=")
    )
    assert "HttpOnly" in cookie and "Path=/t/acme/" in cookie and "SameSite=lax" in cookie


def test_prompt_none_without_session_is_login_required(browser: Browser) -> None:
    auth = new_authorization(prompt="none")
    response = browser.authorize(auth)
    answer = query_of(response.headers["location"])
    assert answer["error"] == "login_required" and answer["state"] == auth.state


def test_prompt_none_with_session_returns_a_code_without_any_page(
    browser: Browser, acme: TenantFixture
) -> None:
    browser.sign_in(new_authorization(), acme.email, acme.password)
    auth = new_authorization(prompt="none")
    response = browser.authorize(auth)
    assert response.status_code == 302
    answer = query_of(response.headers["location"])
    assert "code" in answer and answer["state"] == auth.state
    assert _id_token(browser, answer["code"], auth.verifier)["sub"] == acme.customer_id


def test_prompt_none_without_consent_is_consent_required(
    browser: Browser, acme: TenantFixture
) -> None:
    browser.sign_in(new_authorization(scope="openid"), acme.email, acme.password)
    response = browser.authorize(new_authorization(scope="openid email", prompt="none"))
    assert query_of(response.headers["location"])["error"] == "consent_required"


def test_consent_is_remembered_per_customer_and_application(
    browser: Browser, acme: TenantFixture
) -> None:
    browser.sign_in(new_authorization(), acme.email, acme.password)
    second = browser.authorize(new_authorization())
    assert second.status_code == 302
    assert "code" in query_of(second.headers["location"])


def test_consent_page_names_the_application_and_scopes(
    browser: Browser, acme: TenantFixture
) -> None:
    first = browser.authorize(new_authorization(scope="openid email"))
    response = browser.submit_login(first.headers["location"], acme.email, acme.password)
    resumed = browser.get(response.headers["location"])
    consent = browser.get(resumed.headers["location"])
    assert "Acme Web" in consent.text and "See your email address" in consent.text
    assert "Allow" in consent.text and "Deny" in consent.text


def test_denied_consent_is_access_denied_at_redirect_uri(
    browser: Browser, acme: TenantFixture
) -> None:
    auth = new_authorization()
    redirect = browser.sign_in(auth, acme.email, acme.password, consent="deny")
    answer = query_of(redirect)
    assert answer["error"] == "access_denied" and answer["state"] == auth.state


def test_prompt_consent_asks_again_even_when_remembered(
    browser: Browser, acme: TenantFixture
) -> None:
    browser.sign_in(new_authorization(), acme.email, acme.password)
    response = browser.authorize(new_authorization(prompt="consent"))
    assert response.headers["location"].startswith("/t/acme/consent?")


def test_prompt_login_forces_a_fresh_sign_in(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    browser.sign_in(new_authorization(), acme.email, acme.password)
    clock.advance(30)
    auth = new_authorization(prompt="login")
    response = browser.authorize(auth)
    assert response.headers["location"].startswith("/t/acme/login?")
    redirect = browser.follow_to_redirect_uri(
        browser.submit_login(response.headers["location"], acme.email, acme.password)
    )
    claims = _id_token(browser, query_of(redirect)["code"], auth.verifier)
    assert claims["auth_time"] == int(clock.now)


@pytest.mark.parametrize(("elapsed", "needs_login"), [(30, False), (120, True)])
def test_max_age_requires_reauthentication_when_exceeded(
    browser: Browser, acme: TenantFixture, clock: FakeClock, elapsed: int, needs_login: bool
) -> None:
    browser.sign_in(new_authorization(), acme.email, acme.password)
    clock.advance(elapsed)
    response = browser.authorize(new_authorization(max_age="60"))
    assert response.headers["location"].startswith("/t/acme/login?") is needs_login


def test_max_age_with_prompt_none_and_old_session_is_login_required(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    browser.sign_in(new_authorization(), acme.email, acme.password)
    clock.advance(120)
    response = browser.authorize(new_authorization(max_age="60", prompt="none"))
    assert query_of(response.headers["location"])["error"] == "login_required"


def test_login_hint_prefills_the_email_field(browser: Browser) -> None:
    first = browser.authorize(new_authorization(login_hint="bob@example.com"))
    page = browser.get(first.headers["location"])
    assert 'value="bob@example.com"' in page.text


def test_expired_login_page_is_a_clear_error(browser: Browser, clock: FakeClock) -> None:
    first = browser.authorize(new_authorization())
    clock.advance(601)
    page = browser.get(first.headers["location"])
    assert page.status_code == 400 and "expired" in page.text


def _fail_sign_in(browser: Browser, email: str, times: int) -> httpx.Response:
    response = None
    for _ in range(times):
        first = browser.authorize(new_authorization())
        response = browser.submit_login(first.headers["location"], email, "wrong password")
    assert response is not None
    return response


def test_five_failed_sign_ins_lock_the_email_for_fifteen_minutes(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    _fail_sign_in(browser, acme.email, 5)
    first = browser.authorize(new_authorization())
    locked = browser.submit_login(first.headers["location"], acme.email, acme.password)
    assert locked.status_code == 401 and "Too many failed sign-ins" in locked.text
    clock.advance(15 * 60 + 1)
    assert browser.sign_in(new_authorization(), acme.email, acme.password).startswith(WEB_REDIRECT)


def test_lockout_looks_the_same_for_unknown_emails(browser: Browser) -> None:
    response = _fail_sign_in(browser, "nobody@example.com", 6)
    assert response.status_code == 401 and "Too many failed sign-ins" in response.text


def test_failures_are_sign_in_events_and_only_the_lockout_is_in_the_audit_log(
    browser: Browser, acme: TenantFixture, rt: Runtime
) -> None:
    _fail_sign_in(browser, acme.email, 6)
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        actions = conn.execute(select(audit_events.c.action)).scalars().all()
        events = conn.execute(
            select(sign_in_events.c.outcome, sign_in_events.c.reason, sign_in_events.c.method)
        ).all()
    assert actions.count("login.locked_out") == 1 and "login.failed" not in actions
    assert [tuple(e) for e in events] == [("failure", "bad_credentials", "password")] * 5 + [
        ("failure", "locked", "password")
    ]


def test_a_successful_sign_in_is_a_sign_in_event_with_its_client_and_customer(
    browser: Browser, acme: TenantFixture, rt: Runtime
) -> None:
    browser.sign_in(new_authorization(), acme.email, acme.password)
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        events = conn.execute(select(sign_in_events)).all()
    assert [(e.outcome, e.method, e.client_id, e.customer_id) for e in events] == [
        ("success", "password", "web", acme.customer_id)
    ]


def test_successful_sign_in_resets_the_failure_count(browser: Browser, acme: TenantFixture) -> None:
    _fail_sign_in(browser, acme.email, 4)
    browser.sign_in(new_authorization(), acme.email, acme.password)
    first = browser.authorize(new_authorization(prompt="login"))
    response = browser.submit_login(first.headers["location"], acme.email, "wrong password")
    assert "The email or password is incorrect." in response.text
