"""Device authorization grant (RFC 8628): the device authorization request (§3.1-3.2), the
verification page (§3.3), and polling the token endpoint (§3.4-3.5)."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
from fastapi.testclient import TestClient

from tests.conftest import WEB_SECRET, FakeClock, TenantFixture
from tests.flows import Browser, basic, hidden, query_of, token_request

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def start(client: TestClient, scope: str = "openid profile offline_access") -> dict[str, Any]:
    response = client.post("/t/acme/device_authorization", data={"client_id": "tv", "scope": scope})
    assert response.status_code == 200, response.text
    return dict(response.json())


def poll(client: TestClient, device_code: str) -> httpx.Response:
    data = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": "tv"}
    return token_request(client, "acme", data)


def assert_error(response: httpx.Response, error: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error


def decide(browser: Browser, acme: TenantFixture, user_code: str, decision: str) -> str:
    """The end user's side: open the verification URI with the code, sign in, come back to
    the confirmation page and press a button. Returns the final page's HTML."""
    first = browser.get(f"/t/acme/device?user_code={user_code}")
    assert first.status_code == 302, first.text
    assert first.headers["location"].startswith("/t/acme/login")
    signed_in = browser.submit_login(first.headers["location"], acme.email, acme.password)
    assert signed_in.status_code in (302, 303), signed_in.text
    back = signed_in.headers["location"]
    assert back.startswith("/t/acme/device") and query_of(back)["user_code"] == user_code
    confirm = browser.get(back)
    assert confirm.status_code == 200, confirm.text
    assert "Acme TV" in confirm.text and user_code in confirm.text
    done = browser.post(
        "/t/acme/device",
        {
            "csrf_token": hidden(confirm.text, "csrf_token"),
            "user_code": hidden(confirm.text, "user_code"),
            "decision": decision,
        },
    )
    assert done.status_code == 200, done.text
    return done.text


def test_device_authorization_response_has_the_required_fields(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 8628 §3.2: device_code, user_code, verification_uri and expires_in are REQUIRED;
    verification_uri_complete and interval are OPTIONAL and we send both."""
    response = client.post("/t/acme/device_authorization", data={"client_id": "tv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["device_code"] and body["user_code"]
    assert body["verification_uri"] == f"{acme.issuer}/device"
    assert body["verification_uri_complete"].startswith(body["verification_uri"] + "?")
    assert query_of(body["verification_uri_complete"])["user_code"] == body["user_code"]
    assert body["expires_in"] > 0
    assert body["interval"] == 5


def test_client_not_registered_for_the_device_grant_is_unauthorized_client(
    client: TestClient, acme: TenantFixture
) -> None:
    """RFC 8628 §3.2 with RFC 6749 §5.2: unauthorized_client for a client that may not use
    the grant."""
    response = client.post(
        "/t/acme/device_authorization", data={}, headers=basic("web", WEB_SECRET)
    )
    assert_error(response, "unauthorized_client")


def test_polling_before_approval_is_authorization_pending(
    client: TestClient, acme: TenantFixture, clock: FakeClock
) -> None:
    """RFC 8628 §3.5: authorization_pending while the user has not yet decided."""
    started = start(client)
    assert_error(poll(client, started["device_code"]), "authorization_pending")
    clock.advance(started["interval"])
    assert_error(poll(client, started["device_code"]), "authorization_pending")


def test_polling_too_fast_is_slow_down_and_raises_the_interval_by_5_seconds(
    client: TestClient, acme: TenantFixture, clock: FakeClock
) -> None:
    """RFC 8628 §3.5: on slow_down the interval MUST be increased by 5 seconds for this and
    all subsequent requests."""
    started = start(client)
    assert started["interval"] == 5
    assert_error(poll(client, started["device_code"]), "authorization_pending")
    assert_error(poll(client, started["device_code"]), "slow_down")  # interval is now 10
    clock.advance(6)  # enough for the old 5 s, not for 10 s
    assert_error(poll(client, started["device_code"]), "slow_down")  # and now 15
    clock.advance(14)
    assert_error(poll(client, started["device_code"]), "slow_down")  # and now 20
    clock.advance(20)
    assert_error(poll(client, started["device_code"]), "authorization_pending")
    clock.advance(20)
    assert_error(poll(client, started["device_code"]), "authorization_pending")


def test_expired_device_code_is_expired_token(
    client: TestClient, acme: TenantFixture, clock: FakeClock
) -> None:
    """RFC 8628 §3.5: expired_token once the device code's expires_in has passed."""
    started = start(client)
    clock.advance(started["expires_in"] + 1)
    assert_error(poll(client, started["device_code"]), "expired_token")


def test_user_denial_is_access_denied(browser: Browser, acme: TenantFixture) -> None:
    """RFC 8628 §3.5: access_denied when the end user denied the authorization request."""
    started = start(browser.client)
    decide(browser, acme, started["user_code"], "deny")
    assert_error(poll(browser.client, started["device_code"]), "access_denied")


def test_approval_on_the_verification_page_issues_tokens(
    browser: Browser, acme: TenantFixture
) -> None:
    """RFC 8628 §3.3-3.4, RFC 6749 §5.1: after the user approves at the verification URI,
    the device's poll returns the token response."""
    started = start(browser.client)
    decide(browser, acme, started["user_code"], "approve")
    response = poll(browser.client, started["device_code"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert {"access_token", "id_token", "refresh_token", "expires_in"} <= body.keys()
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["aud"] == "tv" and claims["sub"] == acme.customer_id
    userinfo = browser.client.get(
        "/t/acme/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.status_code == 200
    assert userinfo.json()["name"] == "Alice Liddell"


def test_device_code_is_single_use(browser: Browser, acme: TenantFixture, clock: FakeClock) -> None:
    """RFC 8628 §3.4 / RFC 6749 §4.1.2 analogue: a redeemed device code cannot be redeemed
    again."""
    started = start(browser.client)
    decide(browser, acme, started["user_code"], "approve")
    assert poll(browser.client, started["device_code"]).status_code == 200
    clock.advance(started["interval"])
    assert_error(poll(browser.client, started["device_code"]), "invalid_grant")


def test_device_code_is_bound_to_the_client(browser: Browser, acme: TenantFixture) -> None:
    """RFC 8628 §3.4: the device code is redeemed by the client it was issued to."""
    started = start(browser.client)
    decide(browser, acme, started["user_code"], "approve")
    data = {"grant_type": DEVICE_GRANT, "device_code": started["device_code"]}
    other = token_request(browser.client, "acme", data, basic("web", WEB_SECRET))
    assert other.status_code == 400
    assert other.json()["error"] in ("unauthorized_client", "invalid_grant")
    assert poll(browser.client, started["device_code"]).status_code == 200


def test_a_decided_user_code_cannot_be_decided_again(browser: Browser, acme: TenantFixture) -> None:
    """RFC 8628 §3.3/§5.4: the user code is usable once; a second approval is refused."""
    started = start(browser.client)
    decide(browser, acme, started["user_code"], "deny")
    again = browser.get(f"/t/acme/device?user_code={started['user_code']}")
    assert again.status_code == 400
    assert "not valid" in again.text
