"""OIDC Core §3.1.2.1: ``max_age`` is a non-negative integer number of seconds. Only ASCII
digits within a sane bound are accepted; anything else is ``invalid_request`` at the
verified redirect URI with ``state`` (RFC 6749 §4.1.2.1), never a server error."""

from __future__ import annotations

import pytest

from tests.conftest import TenantFixture
from tests.flows import WEB_REDIRECT, Browser, new_authorization, query_of


@pytest.mark.parametrize(
    "max_age",
    ["\u00b2", "\u0663", "\uff15", "1\u00b2", "9" * 5000, "99999999999", "-1", "+5", " 5", "5 "],
    ids=[
        "superscript",
        "arabic-indic",
        "fullwidth",
        "mixed",
        "5000-digits",
        "too-large",
        "negative",
        "plus",
        "leading-space",
        "trailing-space",
    ],
)
def test_max_age_that_is_not_bounded_ascii_digits_is_invalid_request_at_redirect_uri(
    browser: Browser, acme: TenantFixture, max_age: str
) -> None:
    auth = new_authorization(max_age=max_age)
    response = browser.authorize(auth)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(WEB_REDIRECT + "?")
    answer = query_of(location)
    assert answer["error"] == "invalid_request"
    assert answer["state"] == auth.state


@pytest.mark.parametrize("max_age", ["0", "3600", "007", "2147483647"])
def test_max_age_of_ascii_digits_is_accepted(
    browser: Browser, acme: TenantFixture, max_age: str
) -> None:
    response = browser.authorize(new_authorization(max_age=max_age))
    assert response.status_code == 302, response.text
    assert response.headers["location"].startswith("/t/acme/login")
