"""The account page ``{issuer}/account`` (issue #11), on SQLite and PostgreSQL: it signs in
first and comes back; every form needs the CSRF token and a session; the profile, the
password and the sessions change only for the signed-in customer, with the page's notice
or its reason for refusing (400), never a 500."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from idgate.identity.account.verification import verify_email
from idgate.kernel.runtime import Runtime
from idgate.mail.outbox import recent_outbox
from idgate.storage.tables import customers, sessions
from tests.conftest import TenantFixture, provision_customer
from tests.handlers.account_fixtures import (
    ACCOUNT,
    audited,
    browser_with_session,
    count_rows,
    done,
    new_browser,
    post,
    refused,
    session_ids,
    signed_in_browser,
)
from tests.handlers.admin_fixtures import all_tenants, tenant_by_slug, use_cheap_password_hashing

NEW_PASSWORD = "quietly-orbiting-teapot-42"
ACTIONS = {
    "profile": {"name": "Mallory", "email": "alice@example.com"},
    "password": {"current_password": "x", "new_password": NEW_PASSWORD},
    "sessions/sign-out": {"session_id": "x"},
    "sessions/sign-out-others": {},
    "connections/unlink": {"identity_id": "x"},
    "applications/revoke": {"client_id": "web"},
    "delete": {"current_password": "x"},
}


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_password_hashing(monkeypatch)


def test_the_page_signs_in_first_and_comes_back(rt: Runtime, acme: TenantFixture) -> None:
    browser = signed_in_browser(rt, acme)
    page = browser.get(ACCOUNT)
    assert page.status_code == 200, page.text
    assert "Your account" in page.text and acme.email in page.text
    assert 'autocomplete="current-password"' in page.text
    assert 'autocomplete="new-password"' in page.text and 'autocomplete="name"' in page.text
    assert "<script" not in page.text
    assert "Chrome on Linux" in page.text and "this browser" in page.text


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_refuses_a_post_without_the_page_csrf_token(
    rt: Runtime, acme: TenantFixture, action: str
) -> None:
    browser = signed_in_browser(rt, acme)
    response = browser.post(f"{ACCOUNT}/{action}", {**ACTIONS[action], "csrf_token": "forged"})
    assert response.status_code == 403, response.text
    assert count_rows(rt, customers, email=acme.email, name="Alice Liddell") == 1
    assert browser.get(ACCOUNT).status_code == 200  # still signed in, nothing changed


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_without_a_session_goes_to_sign_in(
    rt: Runtime, acme: TenantFixture, action: str
) -> None:
    browser = new_browser(rt)
    first = browser.get(ACCOUNT)  # no session: to the sign-in page, with a CSRF cookie
    login = browser.get(first.headers["location"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert csrf
    response = browser.post(f"{ACCOUNT}/{action}", {**ACTIONS[action], "csrf_token": csrf[1]})
    assert response.status_code == 302 and response.headers["location"] == ACCOUNT
    assert count_rows(rt, customers, email=acme.email, name="Alice Liddell") == 1


def test_saving_the_name_is_audited(rt: Runtime, acme: TenantFixture) -> None:
    browser = signed_in_browser(rt, acme)
    done(post(browser, "profile", name="  Alice  P. Liddell ", email=acme.email), "profile")
    assert count_rows(rt, customers, email=acme.email, name="Alice P. Liddell") == 1
    assert "Your profile is saved." in browser.get(f"{ACCOUNT}?done=profile").text
    assert [e["actor"] for e in audited(rt, "customer.profile_updated")] == [
        f"customer:{acme.customer_id}"
    ]


def test_a_new_email_changes_only_when_the_link_mailed_to_it_is_used(
    rt: Runtime, acme: TenantFixture
) -> None:
    browser = signed_in_browser(rt, acme)
    done(post(browser, "profile", name="Alice", email="Alice@New.example"), "email")
    assert count_rows(rt, customers, id=acme.customer_id, email=acme.email) == 1

    with all_tenants():
        (mail,) = recent_outbox(rt, to="alice@new.example")
    link = re.search(r"http://testserver/t/acme/verify\?token=[\w-]+", mail.text_body)
    assert link, mail.text_body
    token = parse_qs(urlsplit(link[0]).query)["token"][0]
    with all_tenants():
        verify_email(rt, tenant_by_slug(rt, "acme"), token)
    assert count_rows(rt, customers, id=acme.customer_id, email="alice@new.example") == 1


def test_an_email_another_customer_has_gets_the_same_answer_and_no_mail(
    rt: Runtime, acme: TenantFixture
) -> None:
    provision_customer(rt, "acme", email="bob@example.com", password=None)
    browser = signed_in_browser(rt, acme)
    done(post(browser, "profile", name="Alice", email="bob@example.com"), "email")
    with all_tenants():
        assert recent_outbox(rt, to="bob@example.com") == []
    assert count_rows(rt, customers, id=acme.customer_id, email=acme.email) == 1


def test_a_malformed_email_is_refused_on_the_page(rt: Runtime, acme: TenantFixture) -> None:
    browser = signed_in_browser(rt, acme)
    refused(post(browser, "profile", name="Alice", email="not-an-address"), "valid email")


def test_changing_the_password_needs_the_current_one_and_signs_out_other_sessions(
    rt: Runtime, acme: TenantFixture
) -> None:
    here, elsewhere = signed_in_browser(rt, acme), signed_in_browser(rt, acme)
    refused(
        post(here, "password", current_password="wrong-password", new_password=NEW_PASSWORD),
        "current password is not correct",
    )
    refused(
        post(here, "password", current_password=acme.password, new_password="password123"),
        "most common passwords",
    )
    assert elsewhere.get(ACCOUNT).status_code == 200

    changed = post(here, "password", current_password=acme.password, new_password=NEW_PASSWORD)
    done(changed, "password")
    assert here.get(ACCOUNT).status_code == 200
    assert elsewhere.get(ACCOUNT).status_code == 302  # signed out: asks to sign in
    (event,) = audited(rt, "customer.password_changed")
    assert event["actor"] == f"customer:{acme.customer_id}"
    assert event["details"] == {"sessions_ended": 1}
    with all_tenants():
        (notice,) = recent_outbox(rt, to=acme.email)
    assert "password was changed" in notice.subject
    assert "/t/acme/password/forgot" in notice.text_body

    again = new_browser(rt)
    first = again.get(ACCOUNT)
    assert (
        again.submit_login(first.headers["location"], acme.email, NEW_PASSWORD).status_code == 302
    )


def test_signing_out_one_session_ends_only_that_one_of_the_customers_own(
    rt: Runtime, acme: TenantFixture
) -> None:
    here, elsewhere = signed_in_browser(rt, acme), signed_in_browser(rt, acme)
    bob = provision_customer(rt, "acme", email="bob@example.com", password=None)
    bobs = browser_with_session(rt, bob.id)
    own, (other,) = session_ids(here)
    bob_session, _ = session_ids(bobs)

    refused(post(here, "sessions/sign-out", session_id=bob_session), "already ended")
    assert bobs.get(ACCOUNT).status_code == 200

    done(post(here, "sessions/sign-out", session_id=other), "session")
    assert elsewhere.get(ACCOUNT).status_code == 302
    assert here.get(ACCOUNT).status_code == 200
    assert count_rows(rt, sessions, id=other, customer_id=acme.customer_id) == 1
    assert [e["details"] for e in audited(rt, "session.revoked")] == [{"session_id": other}]


def test_signing_out_this_browser_clears_its_cookie(rt: Runtime, acme: TenantFixture) -> None:
    here = signed_in_browser(rt, acme)
    own, _ = session_ids(here)
    response = post(here, "sessions/sign-out", session_id=own)
    done(response, "session")
    assert 'idgate_session=""' in response.headers["set-cookie"]
    assert here.get(ACCOUNT).status_code == 302


def test_signing_out_other_sessions_keeps_this_one(rt: Runtime, acme: TenantFixture) -> None:
    here = signed_in_browser(rt, acme)
    others = [signed_in_browser(rt, acme) for _ in range(2)]
    done(post(here, "sessions/sign-out-others"), "sessions")
    assert [b.get(ACCOUNT).status_code for b in others] == [302, 302]
    assert here.get(ACCOUNT).status_code == 200
    (event,) = audited(rt, "customer.sessions_revoked")
    assert event["details"]["sessions"] == 2
