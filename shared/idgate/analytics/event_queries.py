"""Growth (customers created per bucket and the running total), token grants per bucket
and grant type, and the latest sign-ins, for one organization; growth for every
organization when ``tenant_id`` is None. From the hourly rollups, as of the last rollup,
except the latest sign-ins, which are read from the events themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, case, func, select

from idgate.analytics.buckets import Buckets, utc_iso
from idgate.analytics.time_units import HOUR
from idgate.storage.tables import customers, event_hourly, sign_in_events, token_grants_hourly

_NET = case((event_hourly.c.kind == "customer_created", event_hourly.c.count), else_=0) - case(
    (event_hourly.c.kind == "customer_deleted", event_hourly.c.count), else_=0
)


def _customer_changes(conn: Connection, tenant_id: str | None, hours: Any) -> Any:
    e = event_hourly
    statement = hours.where(e.c.kind.in_(("customer_created", "customer_deleted")))
    if tenant_id is not None:
        statement = statement.where(e.c.tenant_id == tenant_id)
    return conn.execute(statement)


def new_customers(
    conn: Connection, buckets: Buckets, tenant_id: str | None, *, exclude: Any = None
) -> list[int]:
    """Customers created per bucket: of one organization, or of all but ``exclude``."""
    first, end = buckets.hour_range()
    e = event_hourly
    created = [0] * len(buckets)
    hours = select(e.c.hour, func.sum(e.c.count)).where(
        e.c.hour >= first, e.c.hour < end, e.c.kind == "customer_created"
    )
    if tenant_id is not None:
        hours = hours.where(e.c.tenant_id == tenant_id)
    if exclude is not None:
        hours = hours.where(e.c.tenant_id != exclude)
    for hour, count in conn.execute(hours.group_by(e.c.hour)):
        index = buckets.index_of(hour * HOUR)
        if index is not None:
            created[index] += int(count)
    return created


def growth_series(conn: Connection, buckets: Buckets, tenant_id: str) -> list[dict[str, Any]]:
    first, end = buckets.hour_range()
    e = event_hourly
    before = select(func.coalesce(func.sum(_NET), 0)).where(e.c.hour < first)
    total = int(_customer_changes(conn, tenant_id, before).scalar_one())
    net = [0] * len(buckets)
    hourly = select(e.c.hour, func.sum(_NET)).where(e.c.hour >= first, e.c.hour < end)
    for hour, change in _customer_changes(conn, tenant_id, hourly.group_by(e.c.hour)):
        index = buckets.index_of(hour * HOUR)
        if index is not None:
            net[index] += int(change)
    series = []
    created = new_customers(conn, buckets, tenant_id)
    for label, new, change in zip(buckets.labels(), created, net, strict=True):
        total += change
        series.append({"start": label, "new_customers": new, "total_customers": total})
    return series


def token_series(
    conn: Connection, buckets: Buckets, tenant_id: str, grant_types: Sequence[str]
) -> dict[str, Any]:
    """Grants issued per bucket and grant type; totals issued and failed per grant type."""
    first, end = buckets.hour_range()
    g = token_grants_hourly
    rows = conn.execute(
        select(g.c.hour, g.c.grant_type, g.c.outcome, func.sum(g.c.count))
        .where(g.c.tenant_id == tenant_id, g.c.hour >= first, g.c.hour < end)
        .group_by(g.c.hour, g.c.grant_type, g.c.outcome)
    ).all()
    kinds = list(dict.fromkeys([*grant_types, *(r.grant_type for r in rows)]))
    issued = [dict.fromkeys(kinds, 0) for _ in range(len(buckets))]
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"issued": 0, "failed": 0})
    for hour, grant_type, outcome, count in rows:
        index = buckets.index_of(hour * HOUR)
        if index is None:
            continue
        if outcome == "issued":
            issued[index][grant_type] += int(count)
        totals[grant_type]["issued" if outcome == "issued" else "failed"] += int(count)
    series = [
        {"start": label, **counts} for label, counts in zip(buckets.labels(), issued, strict=True)
    ]
    return {"series": series, "totals": {kind: totals[kind] for kind in kinds}}


def recent_sign_ins(conn: Connection, tenant_id: str, limit: int) -> list[dict[str, Any]]:
    e = sign_in_events
    rows = conn.execute(
        select(e, customers.c.email)
        .outerjoin(customers, customers.c.id == e.c.customer_id)
        .where(e.c.tenant_id == tenant_id)
        .order_by(e.c.at.desc(), e.c.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "at": utc_iso(r.at),
            "customer_id": r.customer_id,
            "email": r.email,
            "method": r.method,
            "client_id": r.client_id,
            "outcome": r.outcome,
            "reason": r.reason,
        }
        for r in rows
    ]
