"""Active customers: DAU, WAU and MAU on a date, and a series of distinct customers active
per bucket (``day``, ``week`` or ``month``; activity is counted per UTC day, so ``hour`` is
refused).

A bucket all of whose days are computed (``analytics.rollup_active``) reads one rollup
row: a day's DAU, a whole week's WAU on its last day, a month's month-to-date on its last
day. Any other bucket (today's, a week or month not over, a range cut short) is counted
from the days of activity themselves, exactly, as is a date not computed yet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from idgate.analytics.buckets import Buckets
from idgate.analytics.rollup_active import SOURCE, month_start
from idgate.analytics.time_units import DAY, day_of
from idgate.analytics.watermarks import read_watermark
from idgate.kernel.errors import ValidationFailed
from idgate.storage.tables import active_customers_daily as daily
from idgate.storage.tables import customer_active_days as days

_COLUMN = {"day": "dau", "week": "wau", "month": "month_to_date"}


def distinct_active(conn: Connection, tenant_id: str, first: int, last: int) -> int:
    return int(
        conn.execute(
            select(func.count(func.distinct(days.c.customer_id))).where(
                days.c.tenant_id == tenant_id, days.c.day >= first, days.c.day <= last
            )
        ).scalar_one()
    )


def active_on(conn: Connection, tenant_id: str, day: int) -> dict[str, int]:
    """DAU, WAU and MAU of ``day`` (the 1, 7 and 30 days ending on it)."""
    computed = read_watermark(conn, SOURCE)
    if computed is not None and day < computed:
        row = conn.execute(
            select(daily.c.dau, daily.c.wau, daily.c.mau).where(
                daily.c.tenant_id == tenant_id, daily.c.day == day
            )
        ).first()
        return dict(row._mapping) if row else {"dau": 0, "wau": 0, "mau": 0}
    return {
        name: distinct_active(conn, tenant_id, day - span + 1, day)
        for name, span in (("dau", 1), ("wau", 7), ("mau", 30))
    }


def _bucket_days(buckets: Buckets) -> list[tuple[int, int]]:
    """Each bucket's UTC days (those whose midnight lies in it): first and last."""
    first = [day_of(t + DAY - 1) for t in buckets.edges]
    return [(first[i], first[i + 1] - 1) for i in range(len(buckets))]


def _whole(interval: str, first: int, last: int) -> bool:
    if interval == "week":
        return last - first == 6
    return interval == "day" or first == month_start(last)


def active_series(conn: Connection, buckets: Buckets, tenant_id: str) -> list[dict[str, Any]]:
    if buckets.interval == "hour":
        raise ValidationFailed(
            "interval: activity is counted per day; use day, week or month", field="interval"
        )
    spans = _bucket_days(buckets)
    computed = read_watermark(conn, SOURCE) or 0
    column = daily.c[_COLUMN[buckets.interval]]
    stored = dict(
        conn.execute(
            select(daily.c.day, column).where(
                daily.c.tenant_id == tenant_id,
                daily.c.day >= spans[0][0],
                daily.c.day <= spans[-1][1],
            )
        ).all()
    )
    series = []
    for label, (first, last) in zip(buckets.labels(), spans, strict=True):
        if last < first:
            active = 0
        elif last < computed and _whole(buckets.interval, first, last):
            active = int(stored.get(last, 0))
        else:
            active = distinct_active(conn, tenant_id, first, last)
        series.append({"start": label, "active": active})
    return series
