"""An organization's self-service policy (``tenancy.policy``) as the control plane reads
and changes it: ``GET|PATCH /api/v1/orgs/{slug}/settings`` and ``idgate tenant
configure``. Members read it; owners and admins change it, and each change is audited with
the values before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from idgate.audit.hash_chain import record
from idgate.control.organizations import authorized_organization
from idgate.control.rbac import Operator
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import tenants
from idgate.tenancy.policy import TenantPolicy, changed_policy


def organization_settings(rt: Runtime, operator: Operator, slug: str) -> TenantPolicy:
    with database.read(rt.engine) as conn:
        return authorized_organization(conn, operator, slug, "org.read").policy


def change_organization_settings(
    rt: Runtime, operator: Operator, slug: str, changes: dict[str, Any]
) -> TenantPolicy:
    """The policy with ``changes`` applied and stored; ``ValidationFailed`` names the first
    unknown or invalid setting, and then nothing changes."""
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.settings.write")
        policy = changed_policy(tenant.policy, changes)
        before, after = tenant.policy.as_dict(), policy.as_dict()
        changed = {name: after[name] for name in after if after[name] != before[name]}
        if changed:
            conn.execute(update(tenants).where(tenants.c.id == tenant.id).values(policy=after))
            record(
                conn,
                tenant_id=tenant.id,
                actor=operator.actor,
                action="org.settings_changed",
                target=slug,
                details={"from": {name: before[name] for name in changed}, "to": changed},
                now=rt.now(),
            )
    rt.cache.invalidate(("tenant", slug))
    return policy
