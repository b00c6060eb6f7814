"""Token introspection (RFC 7662) and token revocation (RFC 7009)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
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
SERVICE_AUTH = basic("service", SERVICE_SECRET)
INACTIVE = {"active": False}


def user_tokens(browser: Browser, acme: TenantFixture, client_id: str = "web") -> dict[str, Any]:
    """Tokens for alice issued to ``web`` (confidential) or ``spa`` (public)."""
    redirect = WEB_REDIRECT if client_id == "web" else SPA_REDIRECT
    auth = new_authorization(client_id=client_id, redirect_uri=redirect)
    data = {
        "grant_type": "authorization_code",
        "code": authorize_code(browser, acme, auth),
        "redirect_uri": redirect,
        "code_verifier": auth.verifier,
    }
    headers = WEB_AUTH if client_id == "web" else None
    if headers is None:
        data["client_id"] = client_id
    response = token_request(browser.client, "acme", data, headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def introspect(
    client: TestClient, token: str, headers: dict[str, str] | None = WEB_AUTH, **extra: str
) -> httpx.Response:
    return client.post("/t/acme/introspect", data={"token": token, **extra}, headers=headers)


def introspection(client: TestClient, token: str, **extra: str) -> dict[str, Any]:
    response = introspect(client, token, **extra)
    assert response.status_code == 200, response.text
    return dict(response.json())


def revoke(
    client: TestClient, token: str, headers: dict[str, str] | None = WEB_AUTH, **extra: str
) -> httpx.Response:
    return client.post("/t/acme/revoke", data={"token": token, **extra}, headers=headers)


def refresh(client: TestClient, refresh_token: str) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return token_request(client, "acme", data, WEB_AUTH)


# RFC 7662 -------------------------------------------------------------------------------


def test_active_access_token_introspection_reports_its_claims(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 7662 §2.2: ``active`` is REQUIRED; scope, client_id, sub, exp, iat, iss and
    token_type describe an active token."""
    tokens = user_tokens(browser, acme)
    body = introspection(browser.client, tokens["access_token"])
    assert body["active"] is True
    assert body["client_id"] == "web"
    assert body["sub"] == acme.customer_id
    assert body["iss"] == acme.issuer
    assert set(body["scope"].split()) == {"openid", "profile", "email", "offline_access"}
    assert body["token_type"] == "Bearer"
    assert body["exp"] > body["iat"]
    assert "fid" not in body  # internal claims stay internal


def test_refresh_token_introspection(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7662 §2.1-2.2: a refresh token can be introspected; once rotated it is inactive."""
    tokens = user_tokens(browser, acme)
    body = introspection(browser.client, tokens["refresh_token"])
    assert body["active"] is True
    assert body["client_id"] == "web" and body["sub"] == acme.customer_id
    assert body["token_type"] == "refresh_token"
    assert "offline_access" in body["scope"].split()
    assert refresh(browser.client, tokens["refresh_token"]).status_code == 200
    assert introspection(browser.client, tokens["refresh_token"]) == INACTIVE


def test_wrong_token_type_hint_still_finds_the_token(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7662 §2.1: if the token is not found with the hint, the server MUST extend its
    search across all supported token types."""
    tokens = user_tokens(browser, acme)
    access = introspection(browser.client, tokens["access_token"], token_type_hint="refresh_token")
    assert access["active"] is True
    refresh_body = introspection(
        browser.client, tokens["refresh_token"], token_type_hint="access_token"
    )
    assert refresh_body["active"] is True


def test_revoked_access_token_is_exactly_inactive(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7662 §2.2: for a token that is not active the response MUST be
    ``{"active": false}`` and SHOULD NOT contain anything else."""
    tokens = user_tokens(browser, acme)
    assert revoke(browser.client, tokens["access_token"]).status_code == 200
    assert introspection(browser.client, tokens["access_token"]) == INACTIVE


def test_expired_access_token_is_exactly_inactive(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    """RFC 7662 §2.2: an expired token is not active (web access tokens live 300 s)."""
    tokens = user_tokens(browser, acme)
    clock.advance(301)
    assert introspection(browser.client, tokens["access_token"]) == INACTIVE


def test_a_token_introspected_while_active_is_inactive_once_revoked_or_expired(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    """Verified tokens are remembered per process (idgate.oauth.access_tokens): a token seen
    active must still turn inactive at once when its family is revoked, or when it expires."""
    first, second = user_tokens(browser, acme), user_tokens(browser, acme)
    assert introspection(browser.client, first["access_token"])["active"] is True
    assert introspection(browser.client, second["access_token"])["active"] is True

    assert revoke(browser.client, first["refresh_token"]).status_code == 200
    assert introspection(browser.client, first["access_token"]) == INACTIVE
    clock.advance(301)
    assert introspection(browser.client, second["access_token"]) == INACTIVE


def test_expired_refresh_token_is_exactly_inactive(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    """RFC 7662 §2.2: an expired refresh token is not active."""
    tokens = user_tokens(browser, acme)
    clock.advance(30 * 24 * 3600 + 1)
    assert introspection(browser.client, tokens["refresh_token"]) == INACTIVE


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "x" * 300, "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_token_is_exactly_inactive(
    client: TestClient, acme: TenantFixture, garbage: str
) -> None:
    """RFC 7662 §2.2: a token that does not exist or is malformed is simply not active."""
    assert introspection(client, garbage) == INACTIVE


def test_introspection_requires_a_confidential_client(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 7662 §2.1: the endpoint MUST require some form of authorization, and §4 warns
    against letting anyone probe tokens: a public client's id is no credential."""
    tokens = user_tokens(browser, acme)
    public = introspect(browser.client, tokens["access_token"], headers=None, client_id="spa")
    assert public.status_code == 401 and public.json()["error"] == "invalid_client"
    anonymous = introspect(browser.client, tokens["access_token"], headers=None)
    assert anonymous.status_code == 401
    wrong = introspect(browser.client, tokens["access_token"], headers=basic("web", "wrong" * 8))
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Basic")


def test_introspection_without_token_is_invalid_request(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 7662 §2.1: ``token`` is REQUIRED."""
    response = client.post("/t/acme/introspect", data={}, headers=WEB_AUTH)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


# RFC 7009 -------------------------------------------------------------------------------


def test_revoking_a_refresh_token_revokes_its_family_and_access_tokens(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 7009 §2.1: revoking a refresh token SHOULD also invalidate the access tokens of
    the same grant; ours revokes the whole family."""
    first = user_tokens(browser, acme)
    second = refresh(browser.client, first["refresh_token"]).json()
    response = revoke(browser.client, second["refresh_token"], token_type_hint="refresh_token")
    assert response.status_code == 200, response.text
    assert refresh(browser.client, second["refresh_token"]).json()["error"] == "invalid_grant"
    for token in (first["access_token"], second["access_token"], second["refresh_token"]):
        assert introspection(browser.client, token) == INACTIVE
    userinfo = browser.client.get(
        "/t/acme/userinfo", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert userinfo.status_code == 401


def test_revoking_an_access_token(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7009 §2, §2.2: the token is invalid once the 200 answer is sent; revoking it
    again is still 200."""
    tokens = user_tokens(browser, acme)
    assert revoke(browser.client, tokens["access_token"]).status_code == 200
    assert introspection(browser.client, tokens["access_token"]) == INACTIVE
    assert revoke(browser.client, tokens["access_token"]).status_code == 200


def test_public_client_revokes_its_own_refresh_token(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7009 §2.1: a public client identifies itself with client_id at the endpoint."""
    tokens = user_tokens(browser, acme, client_id="spa")
    response = revoke(browser.client, tokens["refresh_token"], headers=None, client_id="spa")
    assert response.status_code == 200, response.text
    assert introspection(browser.client, tokens["refresh_token"]) == INACTIVE


def test_wrong_token_type_hint_still_revokes(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7009 §2.1: if the token is not found with the hint, the server MUST extend its
    search across all supported token types."""
    tokens = user_tokens(browser, acme)
    response = revoke(browser.client, tokens["refresh_token"], token_type_hint="access_token")
    assert response.status_code == 200
    assert introspection(browser.client, tokens["refresh_token"]) == INACTIVE


@pytest.mark.parametrize("token", ["no-such-token", "a.b.c"])
def test_unknown_token_revocation_is_200(
    client: TestClient, acme: TenantFixture, token: str
) -> None:
    """RFC 7009 §2.2: invalid tokens do not cause an error response; the answer is 200."""
    assert revoke(client, token).status_code == 200


def test_token_of_another_client_is_left_alone(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7009 §2.1: the server verifies the token was issued to the requesting client;
    another client's request does not revoke it (and, like an unknown token, gets 200 so
    the endpoint does not reveal which tokens exist)."""
    tokens = user_tokens(browser, acme)
    for token in (tokens["refresh_token"], tokens["access_token"]):
        assert revoke(browser.client, token, headers=None, client_id="spa").status_code == 200
        assert revoke(browser.client, token, headers=SERVICE_AUTH).status_code == 200
    assert introspection(browser.client, tokens["access_token"])["active"] is True
    assert introspection(browser.client, tokens["refresh_token"])["active"] is True


def test_unknown_token_type_hint_is_unsupported_token_type(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 7009 §2.2.1: unsupported_token_type for a token type the server cannot revoke;
    a hint naming such a type is answered that way and revokes nothing."""
    tokens = user_tokens(browser, acme)
    response = revoke(browser.client, tokens["refresh_token"], token_type_hint="id_token")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_token_type"
    assert introspection(browser.client, tokens["refresh_token"])["active"] is True


def test_revocation_requires_client_authentication(browser: Browser, acme: TenantFixture) -> None:
    """RFC 7009 §2.1: the server first validates the client credentials; failure is
    invalid_client (RFC 6749 §5.2) and nothing is revoked."""
    tokens = user_tokens(browser, acme)
    response = revoke(browser.client, tokens["refresh_token"], headers=basic("web", "x" * 40))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    anonymous = revoke(browser.client, tokens["refresh_token"], headers=None)
    assert anonymous.status_code == 401
    assert introspection(browser.client, tokens["refresh_token"])["active"] is True
