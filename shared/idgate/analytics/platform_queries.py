"""The platform owner's figures, over every organization (the reserved ``platform``
tenant, whose customers are the operators, is left out of customers, MAU and the ranking;
its sign-ins count among the platform's): organizations by status, customers, MAU,
sign-ins lately, growth, and the top organizations by sign-ins or MAU.

"The last 24 hours" are the current UTC hour and the 23 before it, "the last 30 days" today
(UTC) and the 29 days before, as the rollups count per hour and per day. MAU is that of
the last computed day (``analytics.rollup_active``), summed over the organizations (a
customer belongs to one)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, func, select

from idgate.analytics.buckets import Buckets
from idgate.analytics.event_queries import new_customers
from idgate.analytics.rollup_active import SOURCE
from idgate.analytics.time_units import day_of, hour_of
from idgate.analytics.watermarks import read_watermark
from idgate.storage.tables import (
    active_customers_daily,
    customers,
    platform_sign_in_hourly,
    sign_in_daily,
    tenants,
)

STATUSES = ("pending", "active", "suspended", "rejected")
PLATFORM_SLUG = "platform"  # tenancy.tenants.PLATFORM_SLUG; analytics sits beside, not above

_PLATFORM_ID = select(tenants.c.id).where(tenants.c.slug == PLATFORM_SLUG).scalar_subquery()


def _latest_mau(conn: Connection) -> dict[str, int]:
    computed = read_watermark(conn, SOURCE)
    if computed is None:
        return {}
    a = active_customers_daily
    rows = conn.execute(
        select(a.c.tenant_id, a.c.mau).where(a.c.day == computed - 1, a.c.tenant_id != _PLATFORM_ID)
    ).all()
    return {str(t): int(m) for t, m in rows}


def overview(conn: Connection, now: float) -> dict[str, Any]:
    by_status: dict[str, int] = dict(
        conn.execute(
            select(tenants.c.status, func.count())
            .where(tenants.c.slug != PLATFORM_SLUG)
            .group_by(tenants.c.status)
        ).all()
    )
    h = platform_sign_in_hourly
    day_totals = select(
        func.coalesce(func.sum(h.c.success), 0), func.coalesce(func.sum(h.c.failure), 0)
    )
    logins_24h, failures_24h = conn.execute(day_totals.where(h.c.hour > hour_of(now) - 24)).one()
    d = sign_in_daily
    logins_30d = conn.execute(
        select(func.coalesce(func.sum(d.c.success), 0)).where(d.c.day > day_of(now) - 30)
    ).scalar_one()
    customers_total = conn.execute(
        select(func.count()).select_from(customers).where(customers.c.tenant_id != _PLATFORM_ID)
    ).scalar_one()
    return {
        "organizations": {status: int(by_status.get(status, 0)) for status in STATUSES},
        "customers_total": int(customers_total),
        "mau": sum(_latest_mau(conn).values()),
        "logins_24h": int(logins_24h),
        "logins_30d": int(logins_30d),
        "failures_24h": int(failures_24h),
    }


def platform_growth(conn: Connection, buckets: Buckets) -> list[dict[str, Any]]:
    organizations = [0] * len(buckets)
    created = conn.execute(
        select(tenants.c.created_at).where(
            tenants.c.slug != PLATFORM_SLUG,
            tenants.c.created_at >= buckets.start,
            tenants.c.created_at < buckets.end,
        )
    ).scalars()
    for at in created:
        index = buckets.index_of(at)
        if index is not None:
            organizations[index] += 1
    customers_new = new_customers(conn, buckets, None, exclude=_PLATFORM_ID)
    return [
        {"start": label, "new_organizations": orgs, "new_customers": new}
        for label, orgs, new in zip(buckets.labels(), organizations, customers_new, strict=True)
    ]


def _logins_30d(conn: Connection, now: float) -> dict[str, int]:
    d = sign_in_daily
    rows = conn.execute(
        select(d.c.tenant_id, func.sum(d.c.success))
        .where(d.c.day > day_of(now) - 30, d.c.tenant_id != _PLATFORM_ID)
        .group_by(d.c.tenant_id)
    ).all()
    return {str(t): int(n) for t, n in rows}


def top_organizations(
    conn: Connection, now: float, *, by: Literal["logins", "mau"], limit: int
) -> list[dict[str, Any]]:
    """Sign-ins of the last 30 days, MAU and customers of the ``limit`` first organizations
    by ``by``, ties by slug."""
    logins, mau = _logins_30d(conn, now), _latest_mau(conn)
    ranked = logins if by == "logins" else mau
    names = {
        str(t): (s, n)
        for t, s, n in conn.execute(
            select(tenants.c.id, tenants.c.slug, tenants.c.name).where(
                tenants.c.slug != PLATFORM_SLUG
            )
        )
    }
    top = sorted(names, key=lambda t: (-ranked.get(t, 0), names[t][0]))[:limit]
    counts: dict[str, int] = dict(
        conn.execute(
            select(customers.c.tenant_id, func.count())
            .where(customers.c.tenant_id.in_(top))
            .group_by(customers.c.tenant_id)
        ).all()
    )
    return [
        {
            "slug": names[t][0],
            "name": names[t][1],
            "logins": logins.get(t, 0),
            "mau": mau.get(t, 0),
            "customers": int(counts.get(t, 0)),
        }
        for t in top
    ]
