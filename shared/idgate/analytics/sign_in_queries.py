"""Sign-in counts from the hourly rollups: a series of zero-filled buckets, and totals by
method and by application, for one organization or (``tenant_id=None``) all of them.

Every figure is as of the last rollup (``analytics.rollup``): the database sums per UTC
hour, and the hours are summed into the zone's buckets here (``analytics.buckets``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, select

from idgate.analytics.buckets import Buckets
from idgate.analytics.time_units import HOUR
from idgate.storage.tables import clients, platform_sign_in_hourly, sign_in_hourly


@dataclass(frozen=True)
class SignInFilter:
    tenant_id: str | None  # None: every organization
    client_id: str | None = None
    method: str | None = None


def _hourly(conn: Connection, buckets: Buckets, scope: SignInFilter, *keys: Any) -> Select[Any]:
    """Successes and failures grouped by ``keys`` over the buckets' hours."""
    first, end = buckets.hour_range()
    unfiltered = scope.tenant_id is None and not scope.client_id and not scope.method
    h = platform_sign_in_hourly if unfiltered and keys[0].name == "hour" else sign_in_hourly
    grouped = [h.c[key.name] for key in keys]
    statement = select(*grouped, func.sum(h.c.success), func.sum(h.c.failure)).where(
        h.c.hour >= first, h.c.hour < end
    )
    if h is sign_in_hourly:
        if scope.tenant_id is not None:
            statement = statement.where(h.c.tenant_id == scope.tenant_id)
        if scope.client_id:
            statement = statement.where(h.c.client_id == scope.client_id)
        if scope.method:
            statement = statement.where(h.c.method == scope.method)
    return statement.group_by(*grouped)


def sign_in_series(conn: Connection, buckets: Buckets, scope: SignInFilter) -> dict[str, Any]:
    success = [0] * len(buckets)
    failure = [0] * len(buckets)
    for hour, ok, failed in conn.execute(_hourly(conn, buckets, scope, sign_in_hourly.c.hour)):
        index = buckets.index_of(hour * HOUR)
        if index is not None:
            success[index] += int(ok)
            failure[index] += int(failed)
    series = [
        {"start": label, "success": s, "failure": f}
        for label, s, f in zip(buckets.labels(), success, failure, strict=True)
    ]
    totals = {"success": sum(success), "failure": sum(failure)}
    return {
        "interval": buckets.interval,
        "tz": buckets.zone.key,
        "series": series,
        "totals": totals,
    }


def sign_ins_by_method(conn: Connection, buckets: Buckets, tenant_id: str) -> list[dict[str, Any]]:
    statement = _hourly(conn, buckets, SignInFilter(tenant_id), sign_in_hourly.c.method)
    rows = conn.execute(statement.order_by(sign_in_hourly.c.method)).all()
    return [{"method": m, "success": int(s), "failure": int(f)} for m, s, f in rows]


def sign_ins_by_application(
    conn: Connection, buckets: Buckets, tenant_id: str
) -> list[dict[str, Any]]:
    statement = _hourly(conn, buckets, SignInFilter(tenant_id), sign_in_hourly.c.client_id)
    rows = conn.execute(statement.order_by(sign_in_hourly.c.client_id)).all()
    names = dict(
        conn.execute(
            select(clients.c.client_id, clients.c.name).where(
                clients.c.tenant_id == tenant_id,
                clients.c.client_id.in_([c for c, _, _ in rows if c]),
            )
        ).all()
    )
    return [
        {"client_id": c or None, "name": names.get(c), "success": int(s), "failure": int(f)}
        for c, s, f in rows
    ]
