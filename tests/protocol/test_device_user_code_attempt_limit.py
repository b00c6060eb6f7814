"""RFC 8628 §5.1: the user code is short (about 34 bits), so failed entries on the
verification page are limited, per signed-in end user and per client IP
(``IDGATE_USER_CODE_FAILURES_PER_IP``), within a window. Past the limit the page answers 429
with Retry-After and refuses every code, a valid one too (revealing nothing), until the
window has passed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from idgate.oauth.device_verification import USER_CODE_FAILURES_PER_CUSTOMER, USER_CODE_WINDOW
from local.server import build_app
from tests.conftest import FakeClock, TenantFixture, provision_customer
from tests.flows import Browser

WRONG = "BBBB-BBBB"


def _start(client: TestClient) -> str:
    response = client.post("/t/acme/device_authorization", data={"client_id": "tv"})
    assert response.status_code == 200, response.text
    return str(response.json()["user_code"])


def _signed_in(client: TestClient, email: str, password: str) -> Browser:
    browser = Browser(client)
    first = browser.get("/t/acme/device")
    assert first.headers["location"].startswith("/t/acme/login"), first.text
    signed_in = browser.submit_login(first.headers["location"], email, password)
    assert signed_in.headers["location"] == "/t/acme/device", signed_in.text
    return browser


def _enter(browser: Browser, user_code: str) -> int:
    return browser.get(f"/t/acme/device?user_code={user_code}").status_code


def test_too_many_wrong_user_codes_lock_the_end_user_out_until_the_window_passes(
    browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    valid = _start(browser.client)
    signed_in = _signed_in(browser.client, acme.email, acme.password)
    limit = USER_CODE_FAILURES_PER_CUSTOMER
    assert [_enter(signed_in, WRONG) for _ in range(limit - 1)] == [400] * (limit - 1)
    locked = signed_in.get(f"/t/acme/device?user_code={WRONG}")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many" in locked.text
    refused = signed_in.get(f"/t/acme/device?user_code={valid}")
    assert refused.status_code == 429 and "Acme TV" not in refused.text
    csrf = signed_in.client.cookies["idgate_csrf"]
    approve = signed_in.post(
        "/t/acme/device", {"csrf_token": csrf, "user_code": valid, "decision": "approve"}
    )
    assert approve.status_code == 429 and "approved" not in approve.text.lower()
    clock.advance(USER_CODE_WINDOW + 1)
    later = _start(browser.client)  # the first one has expired meanwhile
    confirm = signed_in.get(f"/t/acme/device?user_code={later}")
    assert confirm.status_code == 200 and "Acme TV" in confirm.text


def test_wrong_user_codes_from_one_client_ip_are_limited_across_end_users(
    rt: Runtime, acme: TenantFixture
) -> None:
    per_user, per_ip = USER_CODE_FAILURES_PER_CUSTOMER, rt.settings.user_code_failures_per_ip
    failures, n = 0, 0
    while failures < per_ip:
        n += 1
        email = f"guesser{n}@example.com"
        provision_customer(rt, "acme", email=email, password=acme.password)
        guesser = _signed_in(TestClient(build_app()), email, acme.password)
        for _ in range(min(per_user - 1, per_ip - failures)):
            _enter(guesser, WRONG)
            failures += 1
    valid = _start(TestClient(build_app()))
    fresh = _signed_in(TestClient(build_app()), acme.email, acme.password)
    refused = fresh.get(f"/t/acme/device?user_code={valid}")
    assert refused.status_code == 429 and "Acme TV" not in refused.text


def _guess_from(rt: Runtime, address: str, email: str, password: str, guesses: int) -> Browser:
    """A new end user signed in from ``address``, who enters ``guesses`` wrong codes."""
    provision_customer(rt, "acme", email=email, password=password)
    guesser = _signed_in(TestClient(build_app(), client=(address, 1234)), email, password)
    assert [_enter(guesser, WRONG) for _ in range(guesses)] == [400] * guesses
    return guesser


def test_the_per_ip_user_code_limit_is_a_setting_and_spares_other_addresses(
    rt: Runtime, acme: TenantFixture
) -> None:
    rt.settings = rt.settings.model_copy(update={"user_code_failures_per_ip": 3})
    _guess_from(rt, "198.51.100.7", "one@example.com", acme.password, 2)
    second = _guess_from(rt, "198.51.100.7", "two@example.com", acme.password, 0)
    locked = second.get(f"/t/acme/device?user_code={WRONG}")
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= USER_CODE_WINDOW
    valid = _start(TestClient(build_app()))
    elsewhere = _signed_in(
        TestClient(build_app(), client=("203.0.113.9", 1234)), acme.email, acme.password
    )
    confirm = elsewhere.get(f"/t/acme/device?user_code={valid}")
    assert confirm.status_code == 200 and "Acme TV" in confirm.text


def test_a_per_ip_user_code_limit_of_zero_leaves_only_the_per_user_limit(
    rt: Runtime, acme: TenantFixture
) -> None:
    rt.settings = rt.settings.model_copy(update={"user_code_failures_per_ip": 0})
    below_own_limit = USER_CODE_FAILURES_PER_CUSTOMER - 1
    for n in range(4):
        _guess_from(rt, "198.51.100.7", f"g{n}@example.com", acme.password, below_own_limit)
    valid = _start(TestClient(build_app()))
    fresh = _signed_in(
        TestClient(build_app(), client=("198.51.100.7", 1234)), acme.email, acme.password
    )
    confirm = fresh.get(f"/t/acme/device?user_code={valid}")
    assert confirm.status_code == 200 and "Acme TV" in confirm.text
