"""Refresh tokens (RFC 6749 §1.5, §6; RFC 9700 §4.14.2; OIDC Core §11, §12): issued only
for offline_access, rotated on every use, and a reused token revokes its whole family."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
from fastapi.testclient import TestClient

from tests.conftest import WEB_SECRET, FakeClock, TenantFixture
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
FULL_SCOPE = "openid profile email offline_access"


def web_tokens(browser: Browser, acme: TenantFixture, scope: str = FULL_SCOPE) -> dict[str, Any]:
    auth = new_authorization(scope=scope)
    data = {
        "grant_type": "authorization_code",
        "code": authorize_code(browser, acme, auth),
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": auth.verifier,
    }
    response = token_request(browser.client, "acme", data, WEB_AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def refresh(
    client: TestClient,
    refresh_token: str,
    *,
    headers: dict[str, str] | None = WEB_AUTH,
    **extra: str,
) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    return token_request(client, "acme", data, headers)


def assert_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


def is_active(client: TestClient, token: str) -> bool:
    response = client.post("/t/acme/introspect", data={"token": token}, headers=WEB_AUTH)
    assert response.status_code == 200, response.text
    return bool(response.json()["active"])


def test_refresh_token_is_issued_only_with_offline_access(
    browser: Browser, acme: TenantFixture
) -> None:
    """OIDC Core §11: a refresh token for an OpenID request is issued only when the
    offline_access scope was granted (RFC 6749 §1.5 leaves issuing to the server)."""
    without = web_tokens(browser, acme, scope="openid profile email")
    assert "refresh_token" not in without
    with_offline = web_tokens(browser, acme)
    assert with_offline["refresh_token"]


def test_refresh_rotates_the_token_and_the_old_one_stops_working(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 9700 §4.14.2: public and confidential clients alike get a new refresh token on
    every refresh and the old one is invalidated (RFC 6749 §6 allows both)."""
    first = web_tokens(browser, acme)
    response = refresh(browser.client, first["refresh_token"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert response.headers["cache-control"] == "no-store"
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert is_active(browser.client, second["refresh_token"])
    assert not is_active(browser.client, first["refresh_token"])
    third = refresh(browser.client, second["refresh_token"])
    assert third.status_code == 200, third.text


def test_reused_refresh_token_revokes_the_family_including_newest_token_and_access_tokens(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 9700 §4.14.2: when a rotated-out refresh token is presented again, the server
    cannot tell attacker from client, so it revokes the active refresh token too, and with
    it the access tokens of the grant."""
    first = web_tokens(browser, acme)
    second = refresh(browser.client, first["refresh_token"]).json()
    third = refresh(browser.client, second["refresh_token"]).json()

    assert_error(refresh(browser.client, first["refresh_token"]), "invalid_grant")

    assert_error(refresh(browser.client, third["refresh_token"]), "invalid_grant")
    for tokens in (first, second, third):
        assert not is_active(browser.client, tokens["access_token"])
    userinfo = browser.client.get(
        "/t/acme/userinfo", headers={"Authorization": f"Bearer {third['access_token']}"}
    )
    assert userinfo.status_code == 401


def test_narrower_scope_is_granted_and_the_refresh_token_keeps_its_scope(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6749 §6: the client may request a narrower scope; a new refresh token MUST have
    a scope identical to the one presented, and an omitted scope means the original."""
    first = web_tokens(browser, acme)
    response = refresh(browser.client, first["refresh_token"], scope="openid")
    assert response.status_code == 200, response.text
    narrowed = response.json()
    assert set(narrowed["scope"].split()) <= {"openid", "offline_access"}
    access = jwt.decode(narrowed["access_token"], options={"verify_signature": False})
    assert "email" not in access["scope"].split()
    id_token = jwt.decode(narrowed["id_token"], options={"verify_signature": False})
    assert "email" not in id_token
    # The successor refresh token still carries the full original scope.
    assert narrowed["refresh_token"]
    widened_back = refresh(browser.client, narrowed["refresh_token"])
    assert widened_back.status_code == 200, widened_back.text
    assert set(widened_back.json()["scope"].split()) == set(FULL_SCOPE.split())


def test_wider_scope_is_invalid_scope_and_does_not_consume_the_token(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6749 §6: the requested scope MUST NOT include any scope not originally granted;
    §5.2 names that invalid_scope. The failed request consumes nothing."""
    first = web_tokens(browser, acme, scope="openid offline_access")
    assert_error(
        refresh(browser.client, first["refresh_token"], scope="openid email"), "invalid_scope"
    )
    assert refresh(browser.client, first["refresh_token"]).status_code == 200


def test_expired_refresh_token_is_invalid_grant(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    """RFC 6749 §5.2: an expired refresh token is invalid_grant (web: 30-day lifetime)."""
    first = web_tokens(browser, acme)
    clock.advance(30 * 24 * 3600 + 1)
    assert_error(refresh(browser.client, first["refresh_token"]), "invalid_grant")


def test_refresh_token_is_bound_to_its_client(browser: Browser, acme: TenantFixture) -> None:
    """RFC 6749 §6: the server MUST validate that the refresh token was issued to the
    authenticated client."""
    first = web_tokens(browser, acme)
    assert_error(
        refresh(browser.client, first["refresh_token"], headers=None, client_id="spa"),
        "invalid_grant",
    )
    assert refresh(browser.client, first["refresh_token"]).status_code == 200


def test_confidential_client_must_authenticate_to_refresh(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6749 §6: the server MUST require client authentication for confidential
    clients."""
    first = web_tokens(browser, acme)
    unauthenticated = refresh(browser.client, first["refresh_token"], headers=None, client_id="web")
    assert_error(unauthenticated, "invalid_client", status=401)


def test_public_client_refreshes_with_its_client_id(browser: Browser, acme: TenantFixture) -> None:
    """RFC 6749 §6 with §2.3: a public client identifies itself with client_id; rotation
    (RFC 9700 §4.14.2) is what protects its refresh tokens."""
    auth = new_authorization(client_id="spa", redirect_uri=SPA_REDIRECT)
    data = {
        "grant_type": "authorization_code",
        "code": authorize_code(browser, acme, auth),
        "redirect_uri": SPA_REDIRECT,
        "code_verifier": auth.verifier,
        "client_id": "spa",
    }
    tokens = token_request(browser.client, "acme", data).json()
    response = refresh(browser.client, tokens["refresh_token"], headers=None, client_id="spa")
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] != tokens["refresh_token"]


def test_refreshed_id_token_keeps_issuer_subject_audience_and_auth_time(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    """OIDC Core §12.2: the refreshed ID token's iss, sub and aud MUST equal the original's,
    iat MUST be the new issue time and auth_time MUST be the original authentication."""
    first = web_tokens(browser, acme)
    clock.advance(120)
    second = refresh(browser.client, first["refresh_token"]).json()
    original = jwt.decode(first["id_token"], options={"verify_signature": False})
    renewed = jwt.decode(second["id_token"], options={"verify_signature": False})
    for claim in ("iss", "sub", "aud", "auth_time"):
        assert renewed[claim] == original[claim]
    assert renewed["iat"] >= original["iat"] + 120
