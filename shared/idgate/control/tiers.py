"""Tiers (free, pro, enterprise) and the limits they put on an organization: number of
applications, monthly active customers, bring-your-own OAuth. Defaults are seeded by
migration 0002; platform owners change them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from idgate.audit import record
from idgate.errors import LimitReached, NotFound, ValidationFailed
from idgate.rbac import Operator, require_platform_permission
from idgate.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import clients, customer_activity, tiers
from idgate.tenants import Tenant, platform_tenant_id


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


def update_tier(rt: Runtime, operator: Operator, name: str, **limits: int | bool | None) -> Tier:
    require_platform_permission(operator, "platform.tiers.write")
    changes = {key: value for key, value in limits.items() if value is not None}
    if any(isinstance(v, int) and not isinstance(v, bool) and v < 0 for v in changes.values()):
        raise ValidationFailed("limits must not be negative")
    with database.write(rt.engine) as conn:
        before = get_tier(conn, name)
        if changes:
            conn.execute(update(tiers).where(tiers.c.name == name).values(**changes))
        after = get_tier(conn, name)
        platform_id = platform_tenant_id(conn)
        record(
            conn,
            tenant_id=platform_id,
            actor=operator.actor,
            action="tier.limits_changed",
            target=name,
            details={"before": asdict(before), "after": asdict(after)},
            now=rt.now(),
        )
    return after


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
