"""The control plane's tier operations: the tier catalogue and platform owners' changes to
its limits (audited on the platform tenant's chain)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import update

from idgate.audit.hash_chain import record
from idgate.control.rbac import Operator, require_platform_permission
from idgate.kernel.errors import Forbidden, ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import tiers
from idgate.tenancy.tenants import platform_tenant_id
from idgate.tenancy.tiers import Tier, get_tier
from idgate.tenancy.tiers import list_tiers as read_tiers


def list_tiers(rt: Runtime, operator: Operator) -> list[Tier]:
    """Platform owners and every member of an organization may read the catalogue: an
    organization's operators see what a move to another tier would give them."""
    if not operator.platform_owner and not operator.roles:
        raise Forbidden("reading tiers needs a role in an organization")
    with database.read(rt.engine) as conn:
        return read_tiers(conn)


def update_tier(rt: Runtime, operator: Operator, name: str, **limits: int | bool | None) -> Tier:
    require_platform_permission(operator, "platform.tiers.write")
    changes = {key: value for key, value in limits.items() if value is not None}
    negative = [k for k, v in changes.items() if not isinstance(v, bool) and (v or 0) < 0]
    if negative:  # named, as every refusal of the admin API names its field
        raise ValidationFailed(
            f"{', '.join(negative)}: limits must not be negative", field=negative[0]
        )
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
