"""Customers' activity per day: a row of ``customer_active_days`` (tenant, day, customer)
for each customer with a successful sign-in or a refresh that day (UTC), from which the
rollup counts DAU, WAU and MAU (``analytics.rollup``), so a customer counts once a day
however often they sign in.

Written in the sign-in's or the refresh's own transaction, at most once per customer per
day: an indexed existence check, as ``tenancy.tiers.note_monthly_activity`` does per month,
and before it a per-process memory of the customers already seen today, so a refresh costs
no query at all once its customer is known active (the refresh is a hot path). Only a row
found in the database is remembered, never one this transaction inserts: that transaction
may still roll back."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from idgate.analytics.time_units import day_of
from idgate.kernel.caches import BoundedMemo
from idgate.kernel.runtime import Runtime
from idgate.storage.tables import customer_active_days as days

# About 150 bytes an entry; a process serving more customers a day re-checks the oldest.
CUSTOMERS_REMEMBERED = 50_000

_SEEN = select(days.c.customer_id).where(
    days.c.tenant_id == bindparam("tenant_id"),
    days.c.day == bindparam("day"),
    days.c.customer_id == bindparam("customer_id"),
)
_INSERT = insert(days)


def _seen_today(rt: Runtime) -> BoundedMemo[tuple[str, str], int]:
    return rt.resource("analytics.active_days", lambda: BoundedMemo(CUSTOMERS_REMEMBERED))


def note_active_day(
    rt: Runtime, conn: Connection, *, tenant_id: str, customer_id: str, now: float
) -> None:
    day = day_of(now)
    seen = _seen_today(rt)
    if seen.get((tenant_id, customer_id)) == day:
        return
    row = {"tenant_id": tenant_id, "day": day, "customer_id": customer_id}
    if conn.execute(_SEEN, row).first() is not None:
        seen.remember((tenant_id, customer_id), day)
        return
    try:
        with conn.begin_nested():
            conn.execute(_INSERT, row)
    except IntegrityError:
        pass  # a concurrent sign-in or refresh of the same customer noted the day already
