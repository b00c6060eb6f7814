"""Sign-up, email verification and resending it, on the authorize function's pages
(``functions.authorize.sign_up_routes``), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from idgate.kernel.runtime import Runtime
from tests.conftest import FakeClock, TenantFixture
from tests.flows import Browser, hidden, new_authorization, query_of
from tests.handlers.self_service_fixtures import (
    NEW_EMAIL,
    NEW_PASSWORD,
    audited,
    configure,
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


@pytest.fixture
def pages(rt: Runtime, acme: TenantFixture, monkeypatch: pytest.MonkeyPatch) -> Browser:
    return open_sign_up_pages(rt, monkeypatch)


def _verification_link(rt: Runtime, email: str = NEW_EMAIL) -> str:
    return link_mailed_to(rt, email, "verify")


def _verify(pages: Browser, link: str):  # type: ignore[no-untyped-def]
    return fill(pages, link, "/t/acme/verify")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sign_up_is_a_not_found_page_while_the_policy_keeps_it_closed(
    pages: Browser, rt: Runtime, method: str
) -> None:
    configure(rt, "acme", sign_up="closed")
    if method == "GET":
        response = pages.get("/t/acme/signup")
    else:
        csrf = pages.get("/t/acme/password/forgot").cookies.get("idgate_csrf") or ""
        response = pages.post(
            "/t/acme/signup",
            {"csrf_token": csrf, "email": NEW_EMAIL, "password": NEW_PASSWORD},
        )
    assert response.status_code == 404, response.text
    assert "Create account" not in response.text
    assert customer(rt, NEW_EMAIL) is None
    assert mails_to(rt, NEW_EMAIL) == []


def test_sign_up_form_asks_for_name_email_and_a_new_password(pages: Browser) -> None:
    page = pages.get("/t/acme/signup?interaction=abc")

    assert page.status_code == 200
    assert 'autocomplete="name"' in page.text
    assert 'type="email" autocomplete="username"' in page.text
    assert 'autocomplete="new-password"' in page.text
    assert hidden(page.text, "interaction") == "abc"
    assert "<script" not in page.text


def test_sign_up_creates_an_unverified_customer_and_mails_a_verification_link(
    pages: Browser, rt: Runtime
) -> None:
    response = sign_up(pages)

    assert response.status_code == 200, response.text
    assert "Check your email" in response.text
    created = customer(rt, NEW_EMAIL)
    assert created is not None and created.name == "New Comer"
    assert created.email_verified is False
    (mail,) = mails_to(rt, NEW_EMAIL)
    assert mail.subject == "Verify your email for Acme Inc"
    assert token_of(mailed_link(mail, "verify"))
    assert audited(rt, "customer.signed_up") == [NEW_EMAIL]


def test_a_taken_email_gets_the_same_page_and_its_owner_a_notice_with_a_sign_in_link(
    pages: Browser, rt: Runtime, acme: TenantFixture
) -> None:
    interaction = start_sign_in(pages)
    response = sign_up(pages, acme.email, interaction, password="another long passphrase")

    assert response.status_code == 200
    assert "Check your email" in response.text
    (notice,) = mails_to(rt, acme.email)
    assert notice.subject == "You already have an account with Acme Inc"
    assert query_of(mailed_link(notice, "login"))["interaction"] == interaction
    assert mailed_link(notice, "password/forgot")
    assert "/t/acme/verify" not in notice.text_body
    assert audited(rt, "customer.signed_up") == []
    # The account is unchanged: the old password still signs in.
    assert pages.sign_in(new_authorization(), acme.email, acme.password).startswith(
        "https://app.example.com/callback?code="
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 10 characters"),
        ("password123", "most common passwords"),
        (NEW_EMAIL, "must not be your email"),
        ("x" * 129, "at most 128 characters"),
    ],
)
def test_sign_up_refuses_a_password_that_breaks_a_rule(
    pages: Browser, rt: Runtime, password: str, message: str
) -> None:
    response = sign_up(pages, password=password)

    assert response.status_code == 400
    assert message in response.text
    assert hidden(response.text, "csrf_token")  # the form again, to correct
    assert customer(rt, NEW_EMAIL) is None
    assert mails_to(rt, NEW_EMAIL) == []


def test_sign_up_without_the_csrf_token_is_refused(pages: Browser, rt: Runtime) -> None:
    pages.get("/t/acme/signup")
    response = pages.post(
        "/t/acme/signup", {"csrf_token": "forged", "email": NEW_EMAIL, "password": NEW_PASSWORD}
    )

    assert response.status_code == 403
    assert customer(rt, NEW_EMAIL) is None


@pytest.mark.parametrize("taken", [False, True], ids=["unknown", "existing"])
def test_sign_up_past_the_per_email_limit_answers_429_with_retry_after(
    pages: Browser, rt: Runtime, acme: TenantFixture, taken: bool
) -> None:
    email = acme.email if taken else NEW_EMAIL
    for _ in range(rt.settings.account_requests_per_email):
        assert sign_up(pages, email).status_code == 200

    response = sign_up(pages, email)

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many requests" in response.text
    assert len(mails_to(rt, email)) == rt.settings.account_requests_per_email


def test_verification_link_is_used_by_the_confirm_button_not_by_opening_it(
    pages: Browser, rt: Runtime
) -> None:
    sign_up(pages)
    link = _verification_link(rt)

    for _ in range(2):  # a mail scanner's fetch, then the customer's
        page = pages.get(link)
        assert page.status_code == 200
        assert NEW_EMAIL in page.text and "Verify email" in page.text
    assert customer(rt, NEW_EMAIL).email_verified is False  # type: ignore[union-attr]

    response = _verify(pages, link)

    assert response.status_code == 200, response.text
    assert "Email verified" in response.text
    assert customer(rt, NEW_EMAIL).email_verified is True  # type: ignore[union-attr]
    assert audited(rt, "customer.email_verified") == [NEW_EMAIL]


def test_verification_continues_to_the_sign_in_page_of_the_pending_request(
    pages: Browser, rt: Runtime
) -> None:
    interaction = start_sign_in(pages)
    sign_up(pages, interaction=interaction)

    response = _verify(pages, _verification_link(rt))

    assert response.status_code == 302
    assert response.headers["location"] == f"/t/acme/login?interaction={interaction}"


def test_verification_after_the_request_expired_says_verified_instead(
    pages: Browser, rt: Runtime, clock: FakeClock
) -> None:
    sign_up(pages, interaction=start_sign_in(pages))
    clock.advance(11 * 60)  # the interaction lives 10 minutes

    response = _verify(pages, _verification_link(rt))

    assert response.status_code == 200
    assert "Email verified" in response.text


@pytest.mark.parametrize("defect", ["used", "expired", "tampered", "missing"])
def test_a_verification_link_that_cannot_be_used_gets_a_page_with_a_way_to_ask_again(
    pages: Browser, rt: Runtime, clock: FakeClock, defect: str
) -> None:
    sign_up(pages)
    link = _verification_link(rt)
    if defect == "used":
        _verify(pages, link)
    elif defect == "expired":
        clock.advance(24 * 3600 + 1)
    elif defect == "tampered":
        link = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    else:
        link = "/t/acme/verify"

    page = pages.get(link)

    assert page.status_code == 400
    assert "This link no longer works" in page.text
    assert 'href="/t/acme/verify/resend"' in page.text


def test_posting_a_used_verification_link_gets_the_same_page(pages: Browser, rt: Runtime) -> None:
    sign_up(pages)
    link = _verification_link(rt)
    page = pages.get(link)
    _verify(pages, link)

    again = pages.post(
        "/t/acme/verify",
        {"csrf_token": hidden(page.text, "csrf_token"), "token": token_of(link)},
    )

    assert again.status_code == 400
    assert "This link no longer works" in again.text


def test_verify_without_the_csrf_token_is_refused(pages: Browser, rt: Runtime) -> None:
    sign_up(pages)
    link = _verification_link(rt)
    pages.get(link)

    response = pages.post("/t/acme/verify", {"csrf_token": "forged", "token": token_of(link)})

    assert response.status_code == 403
    assert customer(rt, NEW_EMAIL).email_verified is False  # type: ignore[union-attr]


def test_password_sign_in_before_verification_shows_verify_your_email_without_a_session(
    pages: Browser, rt: Runtime
) -> None:
    sign_up(pages)
    login = pages.authorize(new_authorization()).headers["location"]

    response = pages.submit_login(login, NEW_EMAIL, NEW_PASSWORD)

    assert response.status_code == 403
    assert "Verify your email" in response.text
    assert 'action="/t/acme/verify/resend"' in response.text
    assert "idgate_session" not in response.headers.get("set-cookie", "")


def test_a_wrong_password_on_an_unverified_email_says_only_that_it_is_incorrect(
    pages: Browser,
) -> None:
    sign_up(pages)
    login = pages.authorize(new_authorization()).headers["location"]

    response = pages.submit_login(login, NEW_EMAIL, "not the password at all")

    assert response.status_code == 401
    assert "The email or password is incorrect." in response.text
    assert "Verify your email" not in response.text


def test_resend_mails_a_new_link_and_the_older_one_stops_working(
    pages: Browser, rt: Runtime, clock: FakeClock
) -> None:
    sign_up(pages)
    first = _verification_link(rt)
    clock.advance(1)  # the outbox orders mail by the time it was sent
    login = pages.authorize(new_authorization()).headers["location"]
    needed = pages.submit_login(login, NEW_EMAIL, NEW_PASSWORD)

    response = pages.post(
        "/t/acme/verify/resend",
        {
            "csrf_token": hidden(needed.text, "csrf_token"),
            "email": hidden(needed.text, "email"),
            "interaction": hidden(needed.text, "interaction"),
        },
    )

    assert response.status_code == 200
    assert "Check your email" in response.text
    second = _verification_link(rt)
    assert second != first
    assert pages.get(first).status_code == 400
    assert _verify(pages, second).status_code == 302  # back to the pending sign-in


def test_resend_answers_the_same_for_an_unknown_email_and_mails_nothing(
    pages: Browser, rt: Runtime
) -> None:
    response = fill(pages, "/t/acme/verify/resend", "/t/acme/verify/resend", email=NEW_EMAIL)

    assert response.status_code == 200
    assert "Check your email" in response.text
    assert mails_to(rt, NEW_EMAIL) == []


def test_resend_without_the_csrf_token_is_refused(pages: Browser, rt: Runtime) -> None:
    sign_up(pages)
    pages.get("/t/acme/verify/resend")

    response = pages.post("/t/acme/verify/resend", {"csrf_token": "x", "email": NEW_EMAIL})

    assert response.status_code == 403
    assert len(mails_to(rt, NEW_EMAIL)) == 1


def test_resend_past_the_limit_answers_429_with_retry_after(pages: Browser, rt: Runtime) -> None:
    for _ in range(rt.settings.account_requests_per_email):
        fill(pages, "/t/acme/verify/resend", "/t/acme/verify/resend", email=NEW_EMAIL)

    response = fill(pages, "/t/acme/verify/resend", "/t/acme/verify/resend", email=NEW_EMAIL)

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_optional_verification_lets_the_new_customer_sign_in_at_once(
    pages: Browser, rt: Runtime
) -> None:
    configure(rt, "acme", email_verification="optional")
    interaction = start_sign_in(pages)

    page = sign_up(pages, interaction=interaction)

    assert f'href="/t/acme/login?interaction={interaction}"' in page.text
    redirect = pages.sign_in(new_authorization(), NEW_EMAIL, NEW_PASSWORD)
    assert redirect.startswith("https://app.example.com/callback?code=")


def test_sign_up_verify_and_sign_in_lands_back_in_the_application_with_a_code(
    pages: Browser, rt: Runtime
) -> None:
    auth = new_authorization()
    started = pages.authorize(auth)
    interaction = query_of(started.headers["location"])["interaction"]
    sign_up(pages, interaction=interaction)

    back_at_login = _verify(pages, _verification_link(rt))
    signed_in = pages.submit_login(back_at_login.headers["location"], NEW_EMAIL, NEW_PASSWORD)
    redirect = pages.follow_to_redirect_uri(signed_in)

    assert query_of(redirect)["state"] == auth.state
    assert query_of(redirect)["code"]


# Percent-encoded as a form and a query carry them: NUL (PostgreSQL's text cannot hold
# it), a lone UTF-16 surrogate, long non-ASCII text, a huge address, nothing.
ODD_VALUES = ["a%00%40b", "%ED%A0%80", "%C3%A9" * 400, "a%40b" + "x" * 5000, ""]


@pytest.mark.parametrize("value", ODD_VALUES, ids=["nul", "surrogate", "long", "huge", "empty"])
@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("signup", ("name", "email", "password", "interaction")),
        ("verify", ("token",)),
        ("verify/resend", ("email", "interaction")),
        ("password/forgot", ("email", "interaction")),
        ("password/reset", ("token", "email", "password")),
    ],
)
def test_odd_form_values_never_answer_a_server_error(
    pages: Browser, action: str, fields: tuple[str, ...], value: str
) -> None:
    csrf = pages.get("/t/acme/signup").cookies.get("idgate_csrf") or pages.client.cookies.get(
        "idgate_csrf"
    )
    body = "&".join([f"csrf_token={csrf}", *(f"{field}={value}" for field in fields)]).encode()
    headers = {"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"}

    response = pages.client.post(f"/t/acme/{action}", content=body, headers=headers)

    assert 200 <= response.status_code < 500, response.text
    token_page = pages.get(f"/t/acme/{action}?token={value}&interaction={value}")
    assert token_page.status_code < 500, token_page.text
