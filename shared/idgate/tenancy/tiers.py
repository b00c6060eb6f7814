"""Tiers (free, pro, enterprise) and the limits they put on an organization: number of
applications, monthly active customers, bring-your-own OAuth. Defaults are seeded by
migration 0002; platform owners change them (``control.tiers_admin``). Monthly activity
is metered here, below the data plane, so sign-in can count it without importing ``control``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from idgate.kernel.errors import LimitReached, NotFound
from idgate.storage.tables import clients, customer_activity, tiers
from idgate.tenancy.tenants import Tenant

# The tiers migration 0002 seeds, cheapest first: their limits change, their names do not.
TierName = Literal["free", "pro", "enterprise"]
TIER_NAMES: tuple[TierName, ...] = get_args(TierName)


@dataclass(frozen=True)
class Tier:
    name: str
    max_applications: int
    max_monthly_active_customers: int
    byo_oauth_allowed: bool


def get_tier(conn: Connection, name: str) -> Tier:
    row = conn.execute(select(tiers).where(tiers.c.name == name)).first()
    if row is None:
        raise NotFound(f"no tier named '{name}'")
    return Tier(**row._mapping)


def list_tiers(conn: Connection) -> list[Tier]:
    return [
        Tier(**row._mapping)
        for row in conn.execute(select(tiers).order_by(tiers.c.max_applications))
    ]


def check_application_limit(conn: Connection, tenant: Tenant) -> None:
    tier = get_tier(conn, tenant.tier)
    count = conn.execute(
        select(func.count()).select_from(clients).where(clients.c.tenant_id == tenant.id)
    ).scalar_one()
    if count >= tier.max_applications:
        raise LimitReached(
            f"the {tier.name} tier allows {tier.max_applications} applications; "
            "delete one or move to a higher tier"
        )


def month_of(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m")


def note_monthly_activity(
    conn: Connection, *, tenant_id: str, tier_name: str, customer_id: str, now: float
) -> None:
    """Count the customer as active this month; refuse a new one past the tier's limit."""
    month = month_of(now)
    seen = conn.execute(
        select(customer_activity.c.customer_id).where(
            customer_activity.c.tenant_id == tenant_id,
            customer_activity.c.month == month,
            customer_activity.c.customer_id == customer_id,
        )
    ).first()
    if seen is not None:
        return
    limit = get_tier(conn, tier_name).max_monthly_active_customers
    active = conn.execute(
        select(func.count())
        .select_from(customer_activity)
        .where(customer_activity.c.tenant_id == tenant_id, customer_activity.c.month == month)
    ).scalar_one()
    if active >= limit:
        raise LimitReached("this organization has reached its monthly active customer limit")
    try:
        with conn.begin_nested():
            conn.execute(
                insert(customer_activity).values(
                    tenant_id=tenant_id, month=month, customer_id=customer_id
                )
            )
    except IntegrityError:
        pass  # a concurrent sign-in of the same customer counted it already
