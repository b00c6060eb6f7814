"""Rolling raw events up into hourly counts, incrementally: the events after the source's
watermark (an event id) are grouped by the database, added to the rollups with upserts and
the watermark moved, in one transaction per batch of ids, so a run that fails or races
another adds nothing twice (``analytics.watermarks``).

Only events older than ``SETTLE_SECONDS`` are read: ids are handed out when a row is
inserted but become visible when its transaction commits, so an id just below the newest
may still be invisible; every transaction here lasts far less than a minute, so events
older than that are all committed, and the watermark never passes one still in flight.

- ``sign_in_events`` -> ``sign_in_hourly`` (tenant, hour, client, method: successes and
  failures), ``sign_in_daily`` (tenant, day) and ``platform_sign_in_hourly`` (hour);
- ``analytics_events`` -> ``event_hourly`` (tenant, hour, kind: a count)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Table,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from idgate.analytics.time_units import DAY, HOUR
from idgate.analytics.upserts import add_counts
from idgate.analytics.watermarks import move_watermark, read_watermark
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import (
    analytics_events,
    event_hourly,
    platform_sign_in_hourly,
    sign_in_daily,
    sign_in_events,
    sign_in_hourly,
)

SETTLE_SECONDS = 60.0
BATCH_IDS = 200_000


def hour_column(conn: Connection, at: ColumnElement[Any]) -> ColumnElement[int]:
    """The whole hour since the epoch of a UNIX time column (times are positive, so
    SQLite's truncating CAST is a floor; PostgreSQL's CAST rounds, hence floor there)."""
    hours = cast(at, Float) / HOUR
    if conn.dialect.name == "postgresql":
        return cast(func.floor(hours), Integer)
    return cast(hours, Integer)


def _settled_id(conn: Connection, table: Table, now: float) -> int:
    """The highest id every event up to which is committed (see the module docstring)."""
    first_unsettled = conn.execute(
        select(func.min(table.c.id)).where(table.c.at > now - SETTLE_SECONDS)
    ).scalar()
    if first_unsettled is not None:
        return int(first_unsettled) - 1
    return int(conn.execute(select(func.max(table.c.id))).scalar() or 0)


def _restart_point(conn: Connection, source: Table, low: int | None) -> int:
    """Where this run starts: after the watermark, or from 0 when every id is below it.
    SQLite hands out ids from the highest one present, so once the purge has emptied the
    table (a deployment with no events for the retention period) ids start again at 1."""
    if not low:
        return 0
    newest = conn.execute(select(func.max(source.c.id))).scalar()
    return 0 if newest is not None and newest < low else low


def _sign_in_batch(conn: Connection, low: int, high: int) -> list[dict[str, Any]]:
    e = sign_in_events
    success = func.sum(case((e.c.outcome == "success", 1), else_=0))
    hour = hour_column(conn, e.c.at).label("hour")
    client = func.coalesce(e.c.client_id, "").label("client_id")
    rows = conn.execute(
        select(e.c.tenant_id, hour, client, e.c.method, success.label("success"), func.count())
        .where(e.c.id > low, e.c.id <= high)
        .group_by(e.c.tenant_id, hour, client, e.c.method)
    ).all()
    return [
        {"tenant_id": t, "hour": h, "client_id": c, "method": m, "success": s, "failure": n - s}
        for t, h, c, m, s, n in rows
    ]


def _add_sign_ins(conn: Connection, rows: list[dict[str, Any]]) -> None:
    add_counts(conn, sign_in_hourly, rows, counts=["success", "failure"])
    daily: Counter[tuple[str, int, str]] = Counter()
    hourly: Counter[tuple[int, str]] = Counter()
    for row in rows:
        day = row["hour"] * HOUR // DAY
        for outcome in ("success", "failure"):
            daily[row["tenant_id"], day, outcome] += row[outcome]
            hourly[row["hour"], outcome] += row[outcome]
    add_counts(
        conn,
        sign_in_daily,
        [
            {"tenant_id": t, "day": d, "success": n, "failure": daily[t, d, "failure"]}
            for (t, d, outcome), n in daily.items()
            if outcome == "success"
        ],
        counts=["success", "failure"],
    )
    add_counts(
        conn,
        platform_sign_in_hourly,
        [
            {"hour": h, "success": n, "failure": hourly[h, "failure"]}
            for (h, outcome), n in hourly.items()
            if outcome == "success"
        ],
        counts=["success", "failure"],
    )


def _event_batch(conn: Connection, low: int, high: int) -> list[dict[str, Any]]:
    e = analytics_events
    hour = hour_column(conn, e.c.at).label("hour")
    rows = conn.execute(
        select(e.c.tenant_id, hour, e.c.kind, func.count())
        .where(e.c.id > low, e.c.id <= high)
        .group_by(e.c.tenant_id, hour, e.c.kind)
    ).all()
    return [{"tenant_id": t, "hour": h, "kind": k, "count": n} for t, h, k, n in rows]


def _add_sign_in_batch(conn: Connection, low: int, high: int) -> int:
    rows = _sign_in_batch(conn, low, high)
    _add_sign_ins(conn, rows)
    return sum(row["success"] + row["failure"] for row in rows)


def _add_event_batch(conn: Connection, low: int, high: int) -> int:
    rows = _event_batch(conn, low, high)
    add_counts(conn, event_hourly, rows, counts=["count"])
    return sum(row["count"] for row in rows)


def roll_up_sign_ins(rt: Runtime) -> int:
    return _roll_up(rt, sign_in_events, _add_sign_in_batch)


def roll_up_events(rt: Runtime) -> int:
    return _roll_up(rt, analytics_events, _add_event_batch)


def _roll_up(rt: Runtime, source: Table, add: Callable[[Connection, int, int], int]) -> int:
    """Roll ``source`` up to its settled id, a batch per transaction; the events counted."""
    counted = 0
    while True:
        with database.write(rt.engine) as conn:
            low = read_watermark(conn, source.name)
            start = _restart_point(conn, source, low)
            high = min(_settled_id(conn, source, rt.now()), start + BATCH_IDS)
            if high <= start:
                return counted
            counted += add(conn, start, high)
            move_watermark(conn, source.name, low, high)
