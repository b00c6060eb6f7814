"""Failed password sign-ins per client IP (``IDGATE_SIGN_IN_FAILURES_PER_IP`` in
``IDGATE_SIGN_IN_FAILURE_WINDOW_SECONDS``), counted in the database: past the limit every
sign-in from that address is refused with 429 and Retry-After, the right password too,
whatever the email, until the window is over; other addresses sign in as before, and
successful sign-ins are not counted (identity.sign_in_limits)."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import rate_limit_counters
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.server import build_app
from tests.conftest import FakeClock, TenantFixture
from tests.flows import WEB_REDIRECT, Browser, new_authorization

LIMIT = 3
WINDOW = 600
ATTACKER = "198.51.100.7"
NEIGHBOUR = "203.0.113.9"


@pytest.fixture(autouse=True)
def small_limit(rt: Runtime) -> None:
    """A few failures are enough to show the limit (each one costs an Argon2id check)."""
    rt.settings = rt.settings.model_copy(
        update={"sign_in_failures_per_ip": LIMIT, "sign_in_failure_window_seconds": WINDOW}
    )


def _from(address: str) -> Browser:
    return Browser(TestClient(build_app(), client=(address, 4321)))


def _sign_in(browser: Browser, email: str, password: str) -> httpx.Response:
    first = browser.authorize(new_authorization())
    assert first.status_code == 302, first.text
    return browser.submit_login(first.headers["location"], email, password)


def _signs_in(address: str, acme: TenantFixture) -> bool:
    """A fresh browser (no session yet) from ``address`` signs in with the right password."""
    redirect = _from(address).sign_in(new_authorization(), acme.email, acme.password)
    return redirect.startswith(WEB_REDIRECT)


def _fail(browser: Browser, emails: list[str]) -> None:
    for email in emails:
        assert _sign_in(browser, email, "wrong password").status_code == 401


def _assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["Retry-After"]) <= WINDOW
    assert "Too many attempts. Try again in 10 minutes." in response.text


def test_sign_ins_from_one_address_past_the_limit_answer_429_with_retry_after(
    acme: TenantFixture,
) -> None:
    attacker = _from(ATTACKER)
    # Spraying: one guess on each of several emails, known or not; no email's lockout trips.
    _fail(attacker, [acme.email, "nobody@example.com", "other@example.com"])
    _assert_throttled(_sign_in(attacker, acme.email, acme.password))


def test_the_refusal_is_the_same_for_known_and_unknown_emails(acme: TenantFixture) -> None:
    attacker = _from(ATTACKER)
    _fail(attacker, ["nobody@example.com"] * LIMIT)
    known = _sign_in(attacker, acme.email, "wrong password")
    unknown = _sign_in(attacker, "nobody@example.com", "wrong password")
    for response in (known, unknown):
        _assert_throttled(response)
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]


def test_another_address_signs_in_while_one_is_refused(acme: TenantFixture) -> None:
    attacker = _from(ATTACKER)
    _fail(attacker, ["nobody@example.com"] * LIMIT)
    _assert_throttled(_sign_in(attacker, acme.email, acme.password))
    assert _signs_in(NEIGHBOUR, acme)


def test_the_limit_resets_once_the_window_is_over(acme: TenantFixture, clock: FakeClock) -> None:
    attacker = _from(ATTACKER)
    _fail(attacker, ["nobody@example.com"] * LIMIT)
    clock.advance(WINDOW - 60)
    throttled = _sign_in(attacker, acme.email, acme.password)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) == 60
    clock.advance(61)
    assert attacker.sign_in(new_authorization(), acme.email, acme.password).startswith(WEB_REDIRECT)


def test_successful_sign_ins_are_not_counted_nor_reset_the_count(
    acme: TenantFixture, rt: Runtime
) -> None:
    assert all(_signs_in(ATTACKER, acme) for _ in range(LIMIT + 1))
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        assert conn.execute(select(rate_limit_counters)).all() == []
    attacker = _from(ATTACKER)
    _fail(attacker, ["nobody@example.com"] * (LIMIT - 1))
    assert _signs_in(ATTACKER, acme)
    _fail(attacker, ["nobody@example.com"])
    _assert_throttled(_sign_in(attacker, acme.email, acme.password))


def test_a_limit_of_zero_turns_the_per_address_limit_off(acme: TenantFixture, rt: Runtime) -> None:
    rt.settings = rt.settings.model_copy(update={"sign_in_failures_per_ip": 0})
    attacker = _from(ATTACKER)
    _fail(attacker, [f"nobody{n}@example.com" for n in range(LIMIT + 2)])
    assert attacker.sign_in(new_authorization(), acme.email, acme.password).startswith(WEB_REDIRECT)


def test_ipv6_addresses_of_one_64_prefix_share_a_limit(acme: TenantFixture) -> None:
    """One IPv6 subscriber holds a whole /64: counting single addresses would not limit it."""
    _fail(_from("2001:db8:1:2::10"), ["nobody@example.com"] * LIMIT)
    _assert_throttled(_sign_in(_from("2001:db8:1:2:ffff::99"), acme.email, acme.password))
    assert _signs_in("2001:db8:1:3::10", acme)
