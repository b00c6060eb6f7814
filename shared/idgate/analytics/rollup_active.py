"""Active customers per tenant and completed day (``active_customers_daily``), from the
customers' days of activity (``analytics.active_days``): DAU, the distinct customers of
that day; WAU and MAU, of the 7 and 30 days ending on it; month-to-date, of its calendar
month up to it (what a monthly bucket shows). Days are UTC days.

A day is computed once it is over (and ``SETTLE_SECONDS`` more, for the transactions
still noting it), then never again: the watermark is the next day to compute. A run
catches up on every day missed since, one transaction per day."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from idgate.analytics.rollup_counts import SETTLE_SECONDS
from idgate.analytics.time_units import DAY, day_of
from idgate.analytics.upserts import set_values
from idgate.analytics.watermarks import move_watermark, read_watermark
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import active_customers_daily, customer_active_days

SOURCE = "active_days"
COLUMNS = ("dau", "wau", "mau", "month_to_date")


def month_start(day: int) -> int:
    first = datetime.fromtimestamp(day * DAY, UTC).replace(day=1)
    return day_of(first.timestamp())


def _distinct(conn: Connection, first: int, last: int) -> dict[str, int]:
    d = customer_active_days
    rows = conn.execute(
        select(d.c.tenant_id, func.count(func.distinct(d.c.customer_id)))
        .where(d.c.day >= first, d.c.day <= last)
        .group_by(d.c.tenant_id)
    ).all()
    return {str(tenant_id): int(count) for tenant_id, count in rows}


def _compute_day(conn: Connection, day: int) -> int:
    windows = {
        "dau": _distinct(conn, day, day),
        "wau": _distinct(conn, day - 6, day),
        "mau": _distinct(conn, day - 29, day),
        "month_to_date": _distinct(conn, month_start(day), day),
    }
    tenants = set().union(*windows.values())
    rows = [
        {"tenant_id": t, "day": day, **{c: windows[c].get(t, 0) for c in COLUMNS}} for t in tenants
    ]
    set_values(conn, active_customers_daily, rows, values=COLUMNS)
    return len(rows)


def _first_day(conn: Connection) -> int | None:
    first = conn.execute(select(func.min(customer_active_days.c.day))).scalar()
    return None if first is None else int(first)


def roll_up_active_days(rt: Runtime) -> int:
    """Compute every completed day not computed yet; the number of days computed."""
    done = day_of(rt.now() - SETTLE_SECONDS)  # days before this one are complete
    computed = 0
    while True:
        with database.write(rt.engine) as conn:
            mark = read_watermark(conn, SOURCE)
            day = mark if mark is not None else _first_day(conn)
            if day is None or day >= done:
                return computed
            _compute_day(conn, day)
            move_watermark(conn, SOURCE, mark, day + 1)
        computed += 1
