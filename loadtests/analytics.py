"""Analytics benchmark (issue 13): generate sign-in events over 400 days across many
organizations (one big one), roll them up from scratch and then incrementally, and time
every analytics endpoint's core operation for 30 and 365 days (p50 / p99).

    python loadtests/analytics.py                      # scaled down: 1,000,000 events
    python loadtests/analytics.py --events 10000000 --orgs 1000 --big-customers 1000000
    python loadtests/analytics.py --postgres-url postgresql+psycopg://idgate:idgate@127.0.0.1/bench

The PostgreSQL database is emptied first (its public schema dropped): never point it at
data you keep. Events are bulk-inserted (executemany in chunks); half of them belong to the
big organization; every success also marks its customer active that day. The timed calls
are the control-plane operations the API routes make (``control.analytics_reports``), as
the platform owner, so the figures are the database and query work without HTTP."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from idgate.analytics.buckets import RangeQuery
from idgate.analytics.rollup import roll_up
from idgate.control import analytics_reports as reports
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from idgate.process import build_runtime
from idgate.storage import database
from idgate.storage.migrations import prepare_database
from idgate.storage.tables import customer_active_days, customers, sign_in_events, tenants
from idgate.storage.tenant_scope import ALL_TENANTS, scoped

DAY = 86_400
CHUNK = 50_000
METHODS = ("password", "password", "password", "upstream:github", "upstream:google")
CLIENTS = ("web", "spa", "ios", "android", "tv")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _runtime(url: str | None, clock: Clock) -> Runtime:
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'analytics.db'}"
    settings = Settings(database_url=url, master_key="A" * 43, public_url="http://bench")
    rt = build_runtime(settings, clock=clock)
    with scoped(ALL_TENANTS):
        prepare_database(rt)
    return rt


def _tenants(rt: Runtime, orgs: int, now: float) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(orgs)]
    rows = [
        {
            "id": t,
            "slug": f"org{i}",
            "name": f"Org {i}",
            "status": "active",
            "tier": "enterprise",
            "created_at": now - 420 * DAY,
        }
        for i, t in enumerate(ids)
    ]
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        conn.execute(insert(tenants), rows)
    return ids


def _customers(rt: Runtime, tenant_id: str, count: int, now: float) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    for start in range(0, count, CHUNK):
        rows = [
            {
                "id": c,
                "tenant_id": tenant_id,
                "email": f"c{start + i}@big.example",
                "email_verified": True,
                "name": None,
                "password_hash": None,
                "disabled": False,
                "created_at": now - random.uniform(0, 400) * DAY,
            }
            for i, c in enumerate(ids[start : start + CHUNK])
        ]
        with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
            conn.execute(insert(customers), rows)
    return ids


def _events(
    rt: Runtime, tenant_ids: list[str], big: list[str], count: int, start: float, span: float
) -> int:
    """``count`` sign-in events between ``start`` and ``start + span``; half the big
    organization's (its customers), half spread over the others."""
    inserted = 0
    active: set[tuple[str, int, str]] = set()
    while inserted < count:
        rows = []
        for _ in range(min(CHUNK, count - inserted)):
            at = start + random.random() * span
            ok = random.random() < 0.85
            if random.random() < 0.5:
                tenant, customer = tenant_ids[0], random.choice(big)
            else:
                tenant, customer = random.choice(tenant_ids[1:]), str(uuid.uuid4())
            rows.append(
                {
                    "tenant_id": tenant,
                    "at": at,
                    "outcome": "success" if ok else "failure",
                    "reason": None if ok else "bad_credentials",
                    "method": random.choice(METHODS),
                    "client_id": random.choice(CLIENTS),
                    "customer_id": customer if ok else None,
                }
            )
            if ok:
                active.add((tenant, int(at // DAY), customer))
        with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
            conn.execute(insert(sign_in_events), rows)
        inserted += len(rows)
    _active_days(rt, active)
    return inserted


def _active_days(rt: Runtime, active: set[tuple[str, int, str]]) -> None:
    rows = [{"tenant_id": t, "day": d, "customer_id": c} for t, d, c in active]
    for start in range(0, len(rows), CHUNK):
        with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as upsert
            else:
                from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
            statement = upsert(customer_active_days).on_conflict_do_nothing()
            conn.execute(statement, rows[start : start + CHUNK])


def _timed(call: Callable[[], Any], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        with scoped(ALL_TENANTS):
            call()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def _endpoints(rt: Runtime, days: int) -> dict[str, Callable[[], Any]]:
    op, now = LOCAL_OPERATOR, rt.now()
    span = RangeQuery(
        time.strftime("%Y-%m-%d", time.gmtime(now - (days - 1) * DAY)), None, "day", "UTC"
    )
    return {
        "org logins": lambda: reports.org_logins(rt, op, "org0", span),
        "org logins/by-method": lambda: reports.org_logins_by_method(rt, op, "org0", span),
        "org logins/by-application": lambda: reports.org_logins_by_application(
            rt, op, "org0", span
        ),
        "org active-customers": lambda: reports.org_active_customers(rt, op, "org0", span),
        "org growth": lambda: reports.org_growth(rt, op, "org0", span),
        "org tokens": lambda: reports.org_tokens(rt, op, "org0", span),
        "org recent-logins": lambda: reports.org_recent_logins(rt, op, "org0", limit=50),
        "platform overview": lambda: reports.platform_overview(rt, op),
        "platform growth": lambda: reports.platform_growth(rt, op, span),
        "platform logins": lambda: reports.platform_logins(rt, op, span),
        "platform top-organizations": lambda: reports.platform_top_organizations(
            rt, op, by="logins", limit=10
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--big-customers", type=int, default=100_000)
    parser.add_argument("--hour-events", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    random.seed(13)
    clock = Clock(time.time() - 3 * 3600)
    rt = _runtime(args.postgres_url, clock)
    now = clock.now
    began = time.perf_counter()
    tenant_ids = _tenants(rt, args.orgs, now)
    big = _customers(rt, tenant_ids[0], args.big_customers, now)
    _events(rt, tenant_ids, big, args.events, now - 400 * DAY, 400 * DAY - 2 * 3600)
    print(f"generated {args.events:,} events in {time.perf_counter() - began:.1f} s")
    clock.now = now + 3600
    began = time.perf_counter()
    with scoped(ALL_TENANTS):
        counts = roll_up(rt)
    print(f"rollup from scratch: {time.perf_counter() - began:.1f} s {counts}")
    _events(rt, tenant_ids, big, args.hour_events, now - 3600, 3600)
    clock.now = now + 2 * 3600
    began = time.perf_counter()
    with scoped(ALL_TENANTS):
        counts = roll_up(rt)
    print(f"incremental rollup of one hour: {time.perf_counter() - began:.2f} s {counts}")
    print(f"{'endpoint':32} {'30d p50':>9} {'30d p99':>9} {'365d p50':>9} {'365d p99':>9}  (ms)")
    short, long = _endpoints(rt, 30), _endpoints(rt, 365)
    for name in short:
        p50s, p99s = _timed(short[name], args.repeats)
        p50l, p99l = _timed(long[name], args.repeats)
        print(f"{name:32} {p50s:9.1f} {p99s:9.1f} {p50l:9.1f} {p99l:9.1f}")


if __name__ == "__main__":
    main()
