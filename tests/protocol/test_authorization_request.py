"""Authorization request validation (RFC 6749 §4.1.1, §4.1.2.1, §3.1.2; RFC 7636 §4.4.1;
OIDC Core §3.1.2.1-3.1.2.2, §6)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.conftest import TenantFixture
from tests.flows import WEB_REDIRECT, Browser, new_authorization, query_of


def _error_at_redirect(browser: Browser, **overrides: str) -> dict[str, str]:
    auth = new_authorization(**overrides)
    response = browser.authorize(auth)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(WEB_REDIRECT + "?")
    answer = query_of(location)
    assert answer["state"] == auth.state
    return answer


def test_request_without_pkce_is_invalid_request_at_redirect_uri_with_state(
    browser: Browser, acme: TenantFixture
) -> None:
    answer = _error_at_redirect(browser, code_challenge="", code_challenge_method="")
    assert answer["error"] == "invalid_request"
    assert answer["iss"] == acme.issuer


def test_plain_pkce_method_is_refused(browser: Browser) -> None:
    assert _error_at_redirect(browser, code_challenge_method="plain")["error"] == "invalid_request"


def test_malformed_code_challenge_is_refused(browser: Browser) -> None:
    assert _error_at_redirect(browser, code_challenge="short")["error"] == "invalid_request"


def test_unsupported_response_type_is_reported(browser: Browser) -> None:
    assert (
        _error_at_redirect(browser, response_type="token")["error"] == "unsupported_response_type"
    )


def test_unknown_scope_is_invalid_scope(browser: Browser) -> None:
    assert _error_at_redirect(browser, scope="openid admin")["error"] == "invalid_scope"


def test_request_objects_are_not_supported(browser: Browser) -> None:
    assert _error_at_redirect(browser, request="eyJ.x.y")["error"] == "request_not_supported"
    assert (
        _error_at_redirect(browser, request_uri="https://x")["error"] == "request_uri_not_supported"
    )


def test_prompt_none_combined_with_login_is_invalid(browser: Browser) -> None:
    assert _error_at_redirect(browser, prompt="none login")["error"] == "invalid_request"


def test_unknown_client_gets_an_error_page_and_never_a_redirect(browser: Browser) -> None:
    response = browser.authorize(new_authorization(client_id="nobody"))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "unknown" in response.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example.com/callback",
        WEB_REDIRECT + "/",
        WEB_REDIRECT + "?x=1",
        "HTTPS://app.example.com/callback",
        "",
    ],
)
def test_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(
    browser: Browser, redirect_uri: str
) -> None:
    params = new_authorization().params | {"redirect_uri": redirect_uri}
    response = browser.get(f"/t/acme/authorize?{urlencode(params)}")
    assert response.status_code == 400
    assert "location" not in response.headers


def test_repeated_redirect_uri_is_an_error_page(browser: Browser) -> None:
    query = urlencode(new_authorization().params) + "&" + urlencode({"redirect_uri": WEB_REDIRECT})
    response = browser.get(f"/t/acme/authorize?{query}")
    assert response.status_code == 400
    assert "location" not in response.headers


def test_repeated_state_is_invalid_request_at_redirect_uri(browser: Browser) -> None:
    query = urlencode(new_authorization().params) + "&state=again"
    response = browser.get(f"/t/acme/authorize?{query}")
    assert response.status_code == 302
    assert query_of(response.headers["location"])["error"] == "invalid_request"


def test_client_without_code_grant_is_unauthorized_client(browser: Browser) -> None:
    params = new_authorization(client_id="service").params
    response = browser.get(f"/t/acme/authorize?{urlencode(params)}")
    # "service" has no redirect URIs, so this cannot even redirect.
    assert response.status_code == 400


def test_unknown_tenant_is_not_found(browser: Browser) -> None:
    response = browser.client.get("/t/nosuch/.well-known/openid-configuration")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
