"""Token endpoint failures per client IP (``IDGATE_TOKEN_FAILURES_PER_IP`` a burst, refilled
at that many per ``IDGATE_TOKEN_FAILURE_WINDOW_SECONDS``), counted per process: past the
limit every token request from that address is refused before client authentication with
429, Retry-After and ``temporarily_unavailable`` (a polling device: ``slow_down``, RFC 8628
§3.5); other addresses and successful requests are not affected
(oauth.token_failure_limit)."""

from __future__ import annotations

import math

import httpx
import pytest
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from local.server import build_app
from tests.conftest import SERVICE_SECRET, FakeClock, TenantFixture
from tests.flows import basic, token_request

LIMIT = 3
WINDOW = 60.0
REFILL = math.ceil(WINDOW / LIMIT)  # seconds until one failure's worth is back
ATTACKER = "198.51.100.7"
NEIGHBOUR = "203.0.113.9"
CLIENT_CREDENTIALS = {"grant_type": "client_credentials"}
SERVICE_AUTH = basic("service", SERVICE_SECRET)
WRONG_SECRET = basic("service", "not-the-secret")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture(autouse=True)
def small_limit(rt: Runtime) -> None:
    rt.settings = rt.settings.model_copy(
        update={"token_failures_per_ip": LIMIT, "token_failure_window_seconds": WINDOW}
    )


def _from(address: str) -> TestClient:
    return TestClient(build_app(), client=(address, 4321))


def _good(client: TestClient) -> httpx.Response:
    return token_request(client, "acme", CLIENT_CREDENTIALS, SERVICE_AUTH)


def _bad_secret(client: TestClient) -> httpx.Response:
    return token_request(client, "acme", CLIENT_CREDENTIALS, WRONG_SECRET)


def _bad_refresh_token(client: TestClient) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": "made-up", "client_id": "spa"}
    return token_request(client, "acme", data)


def _assert_refused(response: httpx.Response, error: str = "temporarily_unavailable") -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == error
    assert 0 < int(response.headers["Retry-After"]) <= REFILL
    assert response.headers["cache-control"] == "no-store"


def test_repeated_invalid_client_from_one_address_answers_429_with_retry_after(
    acme: TenantFixture,
) -> None:
    attacker = _from(ATTACKER)
    assert [_bad_secret(attacker).json()["error"] for _ in range(LIMIT)] == [
        "invalid_client"
    ] * LIMIT
    _assert_refused(_bad_secret(attacker))
    _assert_refused(_good(attacker))  # refused before the secret is looked at


def test_repeated_invalid_grant_from_one_address_answers_429_with_retry_after(
    acme: TenantFixture,
) -> None:
    attacker = _from(ATTACKER)
    errors = [_bad_refresh_token(attacker).json()["error"] for _ in range(LIMIT)]
    assert errors == ["invalid_grant"] * LIMIT
    _assert_refused(_bad_refresh_token(attacker))


def test_a_good_client_from_another_address_is_unaffected(acme: TenantFixture) -> None:
    attacker = _from(ATTACKER)
    for _ in range(LIMIT):
        _bad_secret(attacker)
    _assert_refused(_good(attacker))
    assert _good(_from(NEIGHBOUR)).status_code == 200


def test_successes_are_not_counted_and_leave_nothing_to_look_up(
    acme: TenantFixture, rt: Runtime
) -> None:
    client = _from(ATTACKER)
    assert [_good(client).status_code for _ in range(2 * LIMIT)] == [200] * (2 * LIMIT)
    assert len(rt.token_failures) == 0
    for _ in range(LIMIT - 1):
        _bad_secret(client)
    assert _good(client).status_code == 200  # still within the limit


def test_one_failure_s_worth_comes_back_per_window_over_limit(
    acme: TenantFixture, rt: Runtime, clock: FakeClock
) -> None:
    attacker = _from(ATTACKER)
    for _ in range(LIMIT):
        _bad_secret(attacker)
    refused = _good(attacker)
    _assert_refused(refused)
    clock.advance(int(refused.headers["Retry-After"]))
    assert _bad_secret(attacker).json()["error"] == "invalid_client"
    _assert_refused(_good(attacker))  # that one failure's worth is spent again
    clock.advance(WINDOW)
    assert _good(attacker).status_code == 200
    assert len(rt.token_failures) == 0  # a full bucket is forgotten


def test_a_throttled_device_is_told_to_slow_down(acme: TenantFixture) -> None:
    """RFC 8628 §3.5: ``slow_down`` keeps a compliant device polling, more slowly, instead
    of giving up on the end user's sign-in."""
    device = _from(ATTACKER)
    poll = {"grant_type": DEVICE_GRANT, "device_code": "made-up", "client_id": "tv"}
    errors = [token_request(device, "acme", poll).json()["error"] for _ in range(LIMIT)]
    assert errors == ["invalid_grant"] * LIMIT
    _assert_refused(token_request(device, "acme", poll), "slow_down")


def test_a_limit_of_zero_turns_the_token_failure_limit_off(
    acme: TenantFixture, rt: Runtime
) -> None:
    rt.settings = rt.settings.model_copy(update={"token_failures_per_ip": 0})
    attacker = _from(ATTACKER)
    for _ in range(LIMIT + 2):
        assert _bad_secret(attacker).status_code == 401
    assert _good(attacker).status_code == 200
    assert len(rt.token_failures) == 0


@pytest.mark.parametrize("endpoint", ["introspect", "revoke"])
def test_wrong_client_secrets_at_introspection_and_revocation_share_the_limit(
    acme: TenantFixture, endpoint: str
) -> None:
    attacker = _from(ATTACKER)

    def guess() -> httpx.Response:
        return attacker.post(
            f"/t/acme/{endpoint}",
            data={"token": "anything"},
            headers=WRONG_SECRET,
        )

    assert [guess().status_code for _ in range(LIMIT)] == [401] * LIMIT
    _assert_refused(guess())
    _assert_refused(_good(attacker))  # one bucket: the token endpoint refuses it too
    assert _good(_from(NEIGHBOUR)).status_code == 200
