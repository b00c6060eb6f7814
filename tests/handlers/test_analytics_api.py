"""The analytics API counts exactly: sign-ins succeeded and failed across applications,
methods and days at controlled times, customers created and deleted, and token grants are
asserted through every organization and platform endpoint, with zero-filled gaps, buckets
on another zone's midnights and CSV; an operator of another organization gets 404 and the
platform endpoints refuse organization operators. On SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import pytest

from idgate.analytics.rollup import roll_up
from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.oidc.token_endpoint import exchange
from tests.conftest import FakeClock
from tests.handlers.admin_fixtures import (
    CUSTOMER_PASSWORD,
    AdminWorld,
    all_tenants,
    build_world,
    tenant_by_slug,
    use_cheap_password_hashing,
)
from tests.handlers.analytics_fixtures import (
    at,
    fresh_tokens,
    password_sign_in,
    upstream_sign_in,
    utc_midnight_days_ago,
)

HOUR, DAY = 3600, 86_400
ORG = "/orgs/shop/analytics"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_password_hashing(monkeypatch)


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as clients:
        yield clients


def _day(d0: float, n: int) -> str:
    return datetime.fromtimestamp(d0 + n * DAY, UTC).date().isoformat()


def _grant(w: AdminWorld, client_id: str, form: dict[str, str]) -> None:
    tenant = tenant_by_slug(w.rt, "shop")
    secret = w.secrets.get(client_id)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode() if secret else None
    with all_tenants():
        try:
            exchange(
                w.rt,
                tenant,
                authorization=f"Basic {basic}" if basic else None,
                form={**form, "client_id": client_id},
            )
        except IdgateError:
            pass


def _history(w: AdminWorld, clock: FakeClock, d0: float) -> None:
    """Five successful and four failed sign-ins over days d0, d0+1 and d0+3 (none on
    d0+2), two customers added on d0 and one added and deleted on d0+3, two client
    credentials grants and a failed refresh."""
    at(clock, d0 + 9 * HOUR)
    fresh_tokens(w)
    for name in ("ann", "ben"):
        w.customer_ids[name] = w.add_customer("shop", f"{name}@shop.example", CUSTOMER_PASSWORD)
    at(clock, d0 + 10 * HOUR)
    assert password_sign_in(w, "shop", "shop-web", "cora@shop.example", CUSTOMER_PASSWORD)
    at(clock, d0 + 10 * HOUR + 60)
    assert password_sign_in(w, "shop", "shop-web", "ann@shop.example", CUSTOMER_PASSWORD)
    at(clock, d0 + 10 * HOUR + 120)
    assert not password_sign_in(w, "shop", "shop-web", "ben@shop.example", "wrong password")
    at(clock, d0 + 10 * HOUR + 1800)
    for _ in range(2):
        _grant(w, "shop-svc", {"grant_type": "client_credentials"})
    at(clock, d0 + 23 * HOUR + 1800)  # 08:30 the next day in Tokyo
    upstream_sign_in(w, "shop", "shop-spa", w.customer_ids["cora"])
    at(clock, d0 + DAY + 9 * HOUR)
    assert password_sign_in(w, "shop", "shop-web", "cora@shop.example", CUSTOMER_PASSWORD)
    for seconds in (60, 120):
        at(clock, d0 + DAY + 9 * HOUR + seconds)
        assert not password_sign_in(w, "shop", "shop-spa", "ann@shop.example", "nope nope")
    at(clock, d0 + DAY + 9 * HOUR + 600)
    _grant(w, "shop-spa", {"grant_type": "refresh_token", "refresh_token": "not-a-token"})
    at(clock, d0 + 3 * DAY + 12 * HOUR)
    assert password_sign_in(w, "shop", "shop-spa", "ben@shop.example", CUSTOMER_PASSWORD)
    at(clock, d0 + 3 * DAY + 12 * HOUR + 300)
    assert not password_sign_in(w, "shop", "shop-spa", "nobody@shop.example", "whatever1")
    at(clock, d0 + 3 * DAY + 13 * HOUR)
    fresh_tokens(w)
    dan = w.add_customer("shop", "dan@shop.example", CUSTOMER_PASSWORD)
    w.ok("DELETE", f"/orgs/shop/customers/{dan}", status=204)
    at(clock, d0 + 3 * DAY + 20 * HOUR)
    roll_up(w.rt)
    fresh_tokens(w)


@pytest.fixture
def history(rt: Runtime, stack: ExitStack, clock: FakeClock) -> tuple[AdminWorld, float]:
    d0 = utc_midnight_days_ago(5)
    at(clock, d0 - DAY + 8 * HOUR)
    w = build_world(rt, stack)
    w.add_app("shop", "shop-spa", client_type="public")
    w.add_app("shop", "shop-svc", redirect_uris=[], grants=["client_credentials"])
    _history(w, clock, d0)
    return w, d0


def _range(d0: float, first: int, last: int, **extra: str) -> dict[str, str]:
    return {"from": _day(d0, first), "to": _day(d0, last), **extra}


def _counts(series: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(bucket[key] for key in keys) for bucket in series]


def test_sign_ins_per_day_are_exact_and_zero_filled(history: tuple[AdminWorld, float]) -> None:
    w, d0 = history
    body = w.ok("GET", f"{ORG}/logins", params=_range(d0, 0, 3))
    assert body["interval"] == "day" and body["tz"] == "UTC"
    assert [b["start"] for b in body["series"]] == [
        f"{_day(d0, n)}T00:00:00+00:00" for n in range(4)
    ]
    assert _counts(body["series"], "success", "failure") == [(3, 1), (1, 2), (0, 0), (1, 1)]
    assert body["totals"] == {"success": 5, "failure": 4}


def test_buckets_follow_the_zones_midnights(history: tuple[AdminWorld, float]) -> None:
    w, d0 = history
    body = w.ok("GET", f"{ORG}/logins", params=_range(d0, 0, 3, tz="Asia/Tokyo"))
    assert body["series"][0]["start"] == f"{_day(d0, 0)}T00:00:00+09:00"
    # 23:30 UTC on d0 is 08:30 on d0+1 in Tokyo; d0+3 12:00 UTC is 21:00 that day there.
    assert _counts(body["series"], "success", "failure") == [(2, 1), (2, 2), (0, 0), (1, 1)]


def test_hourly_buckets_and_filters_by_application_and_method(
    history: tuple[AdminWorld, float],
) -> None:
    w, d0 = history
    hourly = w.ok("GET", f"{ORG}/logins", params=_range(d0, 0, 0, interval="hour"))
    assert len(hourly["series"]) == 24
    assert hourly["series"][10] | {"start": ""} == {"start": "", "success": 2, "failure": 1}
    assert hourly["series"][23]["success"] == 1
    assert sum(b["success"] + b["failure"] for b in hourly["series"]) == 4
    spa = w.ok("GET", f"{ORG}/logins", params=_range(d0, 0, 3, client_id="shop-spa"))
    assert spa["totals"] == {"success": 2, "failure": 3}
    upstream = w.ok("GET", f"{ORG}/logins", params=_range(d0, 0, 3, method="upstream:github"))
    assert _counts(upstream["series"], "success") == [(1,), (0,), (0,), (0,)]


def test_sign_ins_by_method_and_by_application(history: tuple[AdminWorld, float]) -> None:
    w, d0 = history
    methods = w.ok("GET", f"{ORG}/logins/by-method", params=_range(d0, 0, 3))
    assert methods["items"] == [
        {"method": "password", "success": 4, "failure": 4},
        {"method": "upstream:github", "success": 1, "failure": 0},
    ]
    apps = w.ok("GET", f"{ORG}/logins/by-application", params=_range(d0, 0, 3))
    assert apps["items"] == [
        {"client_id": "shop-spa", "name": "Shop-Spa", "success": 2, "failure": 3},
        {"client_id": "shop-web", "name": "Shop-Web", "success": 3, "failure": 1},
    ]


def test_active_customers_count_each_customer_once_a_day(
    history: tuple[AdminWorld, float],
) -> None:
    w, d0 = history
    body = w.ok("GET", f"{ORG}/active-customers", params=_range(d0, 0, 3, date=_day(d0, 1)))
    assert (body["date"], body["dau"], body["wau"], body["mau"]) == (_day(d0, 1), 1, 2, 2)
    assert _counts(body["series"], "active") == [(2,), (1,), (0,), (1,)]
    # d0+3 is today's rollup's last day not computed yet: counted from the days themselves.
    later = w.ok("GET", f"{ORG}/active-customers", params={"date": _day(d0, 3)})
    assert (later["dau"], later["wau"], later["mau"]) == (1, 3, 3)


def test_growth_counts_customers_created_and_deleted(history: tuple[AdminWorld, float]) -> None:
    w, d0 = history
    body = w.ok("GET", f"{ORG}/growth", params=_range(d0, -1, 3))
    assert _counts(body["series"], "new_customers", "total_customers") == [
        (1, 1),
        (2, 3),
        (0, 3),
        (0, 3),
        (1, 3),
    ]


def test_token_grants_by_type_and_outcome(history: tuple[AdminWorld, float]) -> None:
    w, d0 = history
    body = w.ok("GET", f"{ORG}/tokens", params=_range(d0, 0, 1))
    assert body["series"][0]["client_credentials"] == 2
    assert body["series"][1]["refresh_token"] == 0
    assert body["totals"]["client_credentials"] == {"issued": 2, "failed": 0}
    assert body["totals"]["refresh_token"] == {"issued": 0, "failed": 1}
    assert body["totals"][DEVICE_GRANT] == {"issued": 0, "failed": 0}


def test_recent_logins_newest_first(history: tuple[AdminWorld, float]) -> None:
    w, d0 = history
    items = w.ok("GET", f"{ORG}/recent-logins", params={"limit": 3})["items"]
    assert [(i["email"], i["outcome"], i["reason"], i["client_id"]) for i in items] == [
        (None, "failure", "bad_credentials", "shop-spa"),
        ("ben@shop.example", "success", None, "shop-spa"),
        (None, "failure", "bad_credentials", "shop-spa"),
    ]
    assert items[1]["at"] == f"{_day(d0, 3)}T12:00:00+00:00"


def test_csv_has_a_header_row(history: tuple[AdminWorld, float]) -> None:
    w, d0 = history
    response = w.call(
        "GET", f"{ORG}/logins", params=_range(d0, 0, 3), headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == [
        "start,success,failure",
        f"{_day(d0, 0)}T00:00:00+00:00,3,1",
        f"{_day(d0, 1)}T00:00:00+00:00,1,2",
        f"{_day(d0, 2)}T00:00:00+00:00,0,0",
        f"{_day(d0, 3)}T00:00:00+00:00,1,1",
    ]


def test_platform_figures_span_every_organization(history: tuple[AdminWorld, float]) -> None:
    w, d0 = history
    overview = w.ok("GET", "/platform/analytics/overview")
    assert overview == {
        "organizations": {"pending": 2, "active": 2, "suspended": 0, "rejected": 0},
        "customers_total": 4,
        "mau": 2,
        "logins_24h": 1,
        "logins_30d": 5,
        "failures_24h": 1,
    }
    logins = w.ok("GET", "/platform/analytics/logins", params=_range(d0, 0, 3))
    assert _counts(logins["series"], "success", "failure") == [(3, 1), (1, 2), (0, 0), (1, 1)]
    growth = w.ok("GET", "/platform/analytics/growth", params=_range(d0, -1, 3))
    assert _counts(growth["series"], "new_organizations", "new_customers") == [
        (4, 2),
        (0, 2),
        (0, 0),
        (0, 0),
        (0, 1),
    ]
    top = w.ok("GET", "/platform/analytics/top-organizations", params={"limit": 2})
    assert top["items"] == [
        {"slug": "shop", "name": "Shop Ltd", "logins": 5, "mau": 2, "customers": 3},
        {"slug": "carol-co", "name": "Carol-Co Ltd", "logins": 0, "mau": 0, "customers": 0},
    ]


def test_another_organizations_operator_gets_404_and_every_role_reads(
    history: tuple[AdminWorld, float],
) -> None:
    w, _ = history
    for who in ("alice", "carol", "dave", "root"):
        assert w.call("GET", f"{ORG}/logins", who).status_code == 200, who
    assert w.call("GET", f"{ORG}/logins", "bob").status_code == 404
    assert w.call("GET", "/orgs/nowhere/analytics/growth", "bob").status_code == 404


def test_platform_endpoints_refuse_organization_operators(
    history: tuple[AdminWorld, float],
) -> None:
    w, _ = history
    for path in ("overview", "growth", "logins", "top-organizations"):
        assert w.call("GET", f"/platform/analytics/{path}", "alice").status_code == 403, path


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"interval": "minute"}, "interval"),
        ({"tz": "Mars/Olympus_Mons"}, "tz"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2020-13-01"}, "to"),
        ({"from": "2026-01-01", "to": "2026-03-01", "interval": "hour"}, "interval"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(
    rt: Runtime, stack: ExitStack, params: dict[str, str], field: str
) -> None:
    w = build_world(rt, stack)
    response = w.call("GET", f"{ORG}/logins", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["fields"] == [field]
    limit = w.call("GET", f"{ORG}/recent-logins", params={"limit": "0"})
    assert (limit.status_code, limit.json()["fields"]) == (400, ["limit"])
