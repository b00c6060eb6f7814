"""The pieces the per-IP limits are built of: their settings (validated, 0 turns a limit
off, negative refused), what a client address is counted as (an IPv6 /64), and the
per-process failure buckets of the token endpoint (bounded, refilling, forgetting)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from idgate.kernel.failure_buckets import FailureBuckets
from idgate.kernel.request_context import RequestContext, client_network, current_request
from idgate.kernel.settings import Settings

LIMIT_SETTINGS = (
    "sign_in_failures_per_ip",
    "token_failures_per_ip",
    "user_code_failures_per_ip",
)
WINDOW_SETTINGS = ("sign_in_failure_window_seconds", "token_failure_window_seconds")


def test_rate_limit_settings_have_defaults() -> None:
    settings = Settings()
    assert settings.sign_in_failures_per_ip == 30
    assert settings.sign_in_failure_window_seconds == 600
    assert settings.token_failures_per_ip == 30
    assert settings.token_failure_window_seconds == 60
    assert settings.user_code_failures_per_ip == 20


@pytest.mark.parametrize("name", LIMIT_SETTINGS)
def test_a_limit_is_read_from_the_environment_and_zero_is_allowed(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"IDGATE_{name.upper()}", "0")
    assert getattr(Settings(), name) == 0
    monkeypatch.setenv(f"IDGATE_{name.upper()}", "7")
    assert getattr(Settings(), name) == 7


@pytest.mark.parametrize("name", LIMIT_SETTINGS)
def test_a_negative_limit_is_refused(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"IDGATE_{name.upper()}", "-1")
    with pytest.raises(ValidationError, match=name):
        Settings()


@pytest.mark.parametrize("name", WINDOW_SETTINGS)
@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_window_must_be_a_positive_number(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"IDGATE_{name.upper()}", value)
    with pytest.raises(ValidationError, match=name):
        Settings()


@pytest.mark.parametrize(
    ("peer", "counted_as"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8:a:b:1:2:3:4", "2001:db8:a:b::/64"),
        ("2001:db8:a:b::ffff", "2001:db8:a:b::/64"),
        ("::ffff:192.0.2.10", "192.0.2.10"),  # a dual-stack socket's view of an IPv4 peer
        ("fe80::1%eth0", "fe80::/64"),
        ("testclient", "testclient"),
        (None, None),
    ],
)
def test_a_client_is_counted_by_its_ipv4_address_or_its_ipv6_64(
    peer: str | None, counted_as: str | None
) -> None:
    token = current_request.set(RequestContext("r", peer))
    try:
        assert client_network() == counted_as
    finally:
        current_request.reset(token)


def test_a_bucket_allows_a_burst_of_the_limit_then_one_per_refill() -> None:
    buckets = FailureBuckets(100)
    limit, window, key = 3, 60.0, ("t", "192.0.2.10")
    for _ in range(limit):
        assert buckets.wait_for(key, limit=limit, window=window, now=0.0) == 0
        buckets.spend(key, limit=limit, window=window, now=0.0)
    assert buckets.wait_for(key, limit=limit, window=window, now=0.0) == 20
    assert buckets.wait_for(key, limit=limit, window=window, now=15.0) == 5
    assert buckets.wait_for(key, limit=limit, window=window, now=20.0) == 0
    assert key in buckets
    assert buckets.wait_for(key, limit=limit, window=window, now=60.0) == 0
    assert key not in buckets  # full again: back to costing one failed lookup


def test_buckets_keep_at_most_their_capacity_of_keys() -> None:
    buckets = FailureBuckets(50)
    for n in range(1_000):
        buckets.spend(("t", f"10.0.{n // 256}.{n % 256}"), limit=5, window=60.0, now=0.0)
    assert len(buckets) == 50
    assert ("t", "10.0.3.231") in buckets and ("t", "10.0.0.0") not in buckets


def test_a_limit_of_zero_counts_nothing() -> None:
    buckets = FailureBuckets(10)
    buckets.spend("key", limit=0, window=60.0, now=0.0)
    assert len(buckets) == 0
    assert buckets.wait_for("key", limit=0, window=60.0, now=0.0) == 0
