"""The token endpoint and the authorization code exchange (RFC 6749 §3.2, §4.1.3, §5.2,
RFC 7636 §4.6): every way a code request can be wrong, and what a replayed code costs."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests.conftest import SERVICE_SECRET, WEB_SECRET, FakeClock, TenantFixture
from tests.flows import (
    SPA_REDIRECT,
    WEB_REDIRECT,
    Browser,
    authorize_code,
    basic,
    new_authorization,
    token_request,
)

WEB_AUTH = basic("web", WEB_SECRET)


def redeem(
    client: TestClient,
    code: str,
    verifier: str | None,
    *,
    redirect_uri: str | None = WEB_REDIRECT,
    headers: dict[str, str] | None = WEB_AUTH,
    **extra: str,
) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, **extra}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    if verifier is not None:
        data["code_verifier"] = verifier
    return token_request(client, "acme", data, headers)


def assert_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    # RFC 6749 §5.1/§5.2: token endpoint answers are never cached.
    assert response.headers["cache-control"] == "no-store"


def introspect(client: TestClient, token: str) -> dict[str, object]:
    response = client.post("/t/acme/introspect", data={"token": token}, headers=WEB_AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_token_response_is_json_and_not_cacheable(browser: Browser, acme: TenantFixture) -> None:
    """RFC 6749 §5.1: the response MUST carry Cache-Control: no-store and Pragma: no-cache."""
    auth = new_authorization()
    response = redeem(browser.client, authorize_code(browser, acme, auth), auth.verifier)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


def test_token_endpoint_requires_post(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §3.2: the client MUST use the HTTP POST method at the token endpoint."""
    response = client.get("/t/acme/token", params={"grant_type": "client_credentials"})
    assert response.status_code == 405


def test_replayed_code_is_invalid_grant_and_revokes_issued_tokens(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6749 §4.1.2: a code used more than once MUST be denied and the server SHOULD
    revoke all tokens previously issued from it (also RFC 6749 §10.5, RFC 9700 §4.2.1)."""
    auth = new_authorization()
    code = authorize_code(browser, acme, auth)
    first = redeem(browser.client, code, auth.verifier)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert introspect(browser.client, tokens["access_token"])["active"] is True

    assert_error(redeem(browser.client, code, auth.verifier), "invalid_grant")

    refreshed = token_request(
        browser.client,
        "acme",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        WEB_AUTH,
    )
    assert_error(refreshed, "invalid_grant")
    assert introspect(browser.client, tokens["access_token"]) == {"active": False}
    assert introspect(browser.client, tokens["refresh_token"]) == {"active": False}


def test_code_is_bound_to_the_client_it_was_issued_to(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6749 §4.1.3: the server MUST ensure the code was issued to the authenticated
    client; a code presented by another client is invalid_grant."""
    auth = new_authorization()
    code = authorize_code(browser, acme, auth)
    stolen = redeem(browser.client, code, auth.verifier, headers=None, client_id="spa")
    assert_error(stolen, "invalid_grant")
    stolen = redeem(
        browser.client,
        code,
        auth.verifier,
        redirect_uri=SPA_REDIRECT,
        headers=None,
        client_id="spa",
    )
    assert_error(stolen, "invalid_grant")


def test_redirect_uri_must_be_identical_to_the_authorization_request(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6749 §4.1.3: redirect_uri is REQUIRED when it was in the authorization request,
    and the values MUST be identical."""
    auth = new_authorization()
    code = authorize_code(browser, acme, auth)
    different = redeem(browser.client, code, auth.verifier, redirect_uri=WEB_REDIRECT + "/x")
    assert_error(different, "invalid_grant")
    assert_error(redeem(browser.client, code, auth.verifier, redirect_uri=None), "invalid_grant")
    # A rejected request does not consume the code: the rightful request still succeeds.
    assert redeem(browser.client, code, auth.verifier).status_code == 200


def test_wrong_code_verifier_is_invalid_grant(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7636 §4.6: if the verifier does not match the challenge, the server MUST
    answer invalid_grant."""
    auth = new_authorization()
    code = authorize_code(browser, acme, auth)
    other_verifier = new_authorization().verifier
    assert_error(redeem(browser.client, code, other_verifier), "invalid_grant")


def test_missing_code_verifier_is_invalid_grant(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7636 §4.5/§4.6, RFC 9700 §2.1.1: a code issued with a code_challenge cannot be
    redeemed without the code_verifier."""
    auth = new_authorization()
    code = authorize_code(browser, acme, auth)
    assert_error(redeem(browser.client, code, None), "invalid_grant")


def test_code_expires_after_60_seconds(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    """RFC 6749 §4.1.2: the code MUST expire shortly after it is issued (ours: 60 s)."""
    auth = new_authorization()
    code = authorize_code(browser, acme, auth)
    clock.advance(61)
    assert_error(redeem(browser.client, code, auth.verifier), "invalid_grant")


def test_unknown_code_is_invalid_grant(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §5.2: an invalid authorization grant is invalid_grant."""
    auth = new_authorization()
    assert_error(redeem(client, "not-a-code", auth.verifier), "invalid_grant")


def test_unknown_grant_type_is_unsupported_grant_type(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §5.2: unsupported_grant_type for a grant the server does not support."""
    response = token_request(client, "acme", {"grant_type": "password"}, WEB_AUTH)
    assert_error(response, "unsupported_grant_type")


def test_missing_grant_type_is_invalid_request(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §4.1.3/§5.2: grant_type is REQUIRED; a missing parameter is invalid_request."""
    response = token_request(client, "acme", {"code": "x"}, WEB_AUTH)
    assert_error(response, "invalid_request")


def test_missing_code_is_invalid_request(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §4.1.3/§5.2: code is REQUIRED; a missing parameter is invalid_request."""
    response = token_request(client, "acme", {"grant_type": "authorization_code"}, WEB_AUTH)
    assert_error(response, "invalid_request")


def test_repeated_parameter_is_invalid_request(client: TestClient, acme: TenantFixture) -> None:
    """RFC 6749 §3.2: request parameters MUST NOT be included more than once; RFC 6749 §5.2
    names a repeated parameter invalid_request."""
    response = client.post(
        "/t/acme/token",
        content="grant_type=client_credentials&grant_type=client_credentials",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            **basic("service", SERVICE_SECRET),
        },
    )
    assert_error(response, "invalid_request")


def test_client_using_a_grant_it_is_not_registered_for_is_unauthorized_client(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 6749 §5.2: unauthorized_client when the authenticated client is not authorized
    to use this grant type."""
    web_cc = token_request(client, "acme", {"grant_type": "client_credentials"}, WEB_AUTH)
    assert_error(web_cc, "unauthorized_client")
    service_code = token_request(
        client,
        "acme",
        {"grant_type": "authorization_code", "code": "x", "redirect_uri": WEB_REDIRECT},
        basic("service", SERVICE_SECRET),
    )
    assert_error(service_code, "unauthorized_client")
    tv_code = token_request(
        client, "acme", {"grant_type": "authorization_code", "code": "x", "client_id": "tv"}
    )
    assert_error(tv_code, "unauthorized_client")
