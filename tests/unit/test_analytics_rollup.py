"""The analytics events, per-process grant counts and the rollup job: every event is
counted once however often or wherever the job runs, grants cost no write until the 15 s
flush, and raw events outlive their retention only until rolled up. On SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from idgate.analytics.buckets import RangeQuery
from idgate.analytics.events import record_event
from idgate.analytics.grant_counts import FLUSH_SECONDS, count_grant
from idgate.analytics.rollup import roll_up
from idgate.analytics.sign_in_events import record_sign_in
from idgate.analytics.time_units import DAY
from idgate.analytics.watermarks import RolledUpMeanwhile, move_watermark, read_watermark
from idgate.identity.lockout import MAX_FAILURES, record_failure
from idgate.kernel.errors import ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.oauth.retention import purge_expired
from idgate.storage import database
from idgate.storage.tables import event_hourly, sign_in_events, sign_in_hourly, token_grants_hourly
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from tests.conftest import FakeClock, TenantFixture, provision_tenant


def _tenant_id(rt: Runtime, slug: str = "acme") -> str:
    return provision_tenant(rt, slug).id if slug != "acme" else _acme_id(rt)


def _acme_id(rt: Runtime) -> str:
    from idgate.tenancy.tenants import find_tenant

    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        tenant = find_tenant(conn, "acme")
    assert tenant is not None
    return tenant.id


def _sum(rt: Runtime, column: Any) -> int:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return int(conn.execute(select(func.coalesce(func.sum(column), 0))).scalar_one())


def _sign_ins(rt: Runtime, tenant_id: str, n: int, outcome: str = "success") -> None:
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        for _ in range(n):
            record_sign_in(
                conn,
                tenant_id=tenant_id,
                outcome=outcome,
                method="password",
                now=rt.now(),  # type: ignore[arg-type]
            )


def test_rolling_up_twice_counts_every_event_once(
    rt: Runtime, acme: TenantFixture, clock: FakeClock
) -> None:
    tenant_id = _acme_id(rt)
    _sign_ins(rt, tenant_id, 3)
    clock.advance(61)
    _sign_ins(rt, tenant_id, 2, "failure")  # not settled yet: left for the next run
    assert roll_up(rt)["sign_in_events"] == 3
    assert roll_up(rt)["sign_in_events"] == 0
    assert (_sum(rt, sign_in_hourly.c.success), _sum(rt, sign_in_hourly.c.failure)) == (3, 0)
    clock.advance(61)
    roll_up(rt)
    roll_up(rt)
    assert (_sum(rt, sign_in_hourly.c.success), _sum(rt, sign_in_hourly.c.failure)) == (3, 2)


def test_a_run_that_lost_the_race_for_the_watermark_adds_nothing(rt: Runtime) -> None:
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        move_watermark(conn, "sign_in_events", None, 10)
    with pytest.raises(RolledUpMeanwhile), scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        move_watermark(conn, "sign_in_events", 5, 20)  # read 5: another run moved it since
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        assert read_watermark(conn, "sign_in_events") == 10


def test_grants_are_written_only_by_the_flush_15_seconds_later(
    rt: Runtime, acme: TenantFixture, clock: FakeClock
) -> None:
    tenant_id = _acme_id(rt)
    for _ in range(5):
        count_grant(rt, tenant_id=tenant_id, grant_type="client_credentials", outcome="issued")
    assert _sum(rt, token_grants_hourly.c.count) == 0
    clock.advance(FLUSH_SECONDS)
    count_grant(rt, tenant_id=tenant_id, grant_type="refresh_token", outcome="invalid_grant")
    assert _sum(rt, token_grants_hourly.c.count) == 6
    count_grant(rt, tenant_id=tenant_id, grant_type="client_credentials", outcome="issued")
    assert _sum(rt, token_grants_hourly.c.count) == 6
    roll_up(rt)  # flushes what is left
    assert _sum(rt, token_grants_hourly.c.count) == 7


def test_a_lockout_is_an_event_rolled_up_per_hour(
    rt: Runtime, acme: TenantFixture, clock: FakeClock
) -> None:
    tenant_id = _acme_id(rt)
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        locks = [
            record_failure(conn, tenant_id=tenant_id, email="x@example.com", now=rt.now())
            for _ in range(MAX_FAILURES)
        ]
        record_event(conn, tenant_id=tenant_id, kind="logout", now=rt.now())
    assert locks[-1]
    clock.advance(61)
    roll_up(rt)
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        kinds = dict(conn.execute(select(event_hourly.c.kind, event_hourly.c.count)).all())
    assert kinds["lockout"] == 1 and kinds["logout"] == 1


def test_raw_events_are_purged_after_retention_only_once_rolled_up(
    rt: Runtime, acme: TenantFixture, clock: FakeClock
) -> None:
    tenant_id = _acme_id(rt)
    _sign_ins(rt, tenant_id, 2)
    clock.advance(rt.settings.analytics_retention_days * DAY + 1)
    purge_expired(rt)
    assert _count(rt) == 2  # never rolled up: kept
    roll_up(rt)
    purge_expired(rt)
    assert _count(rt) == 0
    assert _sum(rt, sign_in_hourly.c.success) == 2  # the rollup stays


def _count(rt: Runtime) -> int:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(sign_in_events)).scalar_one())


@pytest.mark.parametrize(
    ("tz", "first_start", "count"),
    [
        ("Europe/Paris", "2026-03-29T00:00:00+01:00", 2),  # 23 hours, then 24
        ("Asia/Kolkata", "2026-03-29T00:00:00+05:30", 2),
        ("UTC", "2026-03-29T00:00:00+00:00", 2),
    ],
)
def test_day_buckets_start_on_the_zones_midnights(tz: str, first_start: str, count: int) -> None:
    buckets = RangeQuery("2026-03-29", "2026-03-30", "day", tz).buckets(0)
    assert len(buckets) == count
    assert buckets.labels()[0] == first_start
    if tz == "Europe/Paris":
        assert buckets.edges[1] - buckets.edges[0] == 23 * 3600


def test_week_and_month_buckets_start_on_monday_and_the_first() -> None:
    weeks = RangeQuery("2026-03-04", "2026-03-20", "week", "UTC").buckets(0)
    assert weeks.labels() == [
        "2026-03-02T00:00:00+00:00",
        "2026-03-09T00:00:00+00:00",
        "2026-03-16T00:00:00+00:00",
    ]
    months = RangeQuery("2025-12-15", "2026-02-01", "month", "UTC").buckets(0)
    assert [label[:10] for label in months.labels()] == ["2025-12-01", "2026-01-01", "2026-02-01"]


def test_more_than_744_buckets_is_refused_naming_the_interval() -> None:
    with pytest.raises(ValidationFailed) as refused:
        RangeQuery("2026-01-01", "2026-02-01", "hour", "UTC").buckets(0)
    assert refused.value.field == "interval"
    assert len(RangeQuery("2026-01-01", "2026-01-31", "hour", "UTC").buckets(0)) == 744
