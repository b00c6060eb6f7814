"""Organizations on the control plane: self-service sign-up (pending), approval or
rejection by a platform owner, suspension and reactivation, tier changes, and deletion with
all of the organization's data. A platform owner may also provision an organization that
is active at once on a chosen tier (``idgate tenant create``).

A suspended organization's issuer refuses every request (``tenants.serving_tenant``), so its
tokens stop introspecting as active. Other processes see a status change within the tenant
cache TTL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from idgate.audit.hash_chain import record
from idgate.control.rbac import (
    Operator,
    require_org_permission,
    require_platform_permission,
    require_platform_permission_on,
)
from idgate.identity.customers import create_customer
from idgate.kernel.errors import Conflict, NotFound
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import create_data_key
from idgate.storage import database
from idgate.storage.tables import memberships, tenants
from idgate.tenancy.tenants import (
    PLATFORM_SLUG,
    Tenant,
    create_tenant,
    find_tenant,
    platform_tenant_id,
)
from idgate.tenancy.tiers import get_tier

# action -> (allowed from, resulting status, audit action)
TRANSITIONS = {
    "approve": ({"pending"}, "active", "org.approved"),
    "reject": ({"pending"}, "rejected", "org.rejected"),
    "suspend": ({"active"}, "suspended", "org.suspended"),
    "reactivate": ({"suspended"}, "active", "org.reactivated"),
}


@dataclass(frozen=True)
class Organization:
    slug: str
    name: str
    status: str
    tier: str
    issuer: str


def organization_of(rt: Runtime, tenant: Tenant) -> Organization:
    """The organization as operators see it. Its issuer is the path alone in a process with
    no public URL (the CLI on a host without ``IDGATE_PUBLIC_URL``), which does not serve
    it: the change it reports was made, so it must not fail for want of a URL."""
    base = rt.settings.public_url or ""
    return Organization(
        tenant.slug, tenant.name, tenant.status, tenant.tier, f"{base}/t/{tenant.slug}"
    )


def find_organization(conn: Connection, slug: str) -> Tenant:
    """The control plane's one lookup of an organization by slug, in the caller's
    transaction: the platform tenant is not an organization, and a missing one is 404."""
    tenant = find_tenant(conn, slug) if slug != PLATFORM_SLUG else None
    if tenant is None:
        raise NotFound("no such organization")
    return tenant


def authorized_organization(
    conn: Connection, operator: Operator, slug: str, permission: str
) -> Tenant:
    """The organization an org-scoped operation acts on, once the operator holds
    ``permission`` there. Existence is checked first, so a missing organization and one the
    operator is not a member of give the same 404; a member without the permission gets 403."""
    tenant = find_organization(conn, slug)
    require_org_permission(operator, tenant.id, permission)
    return tenant


def _create_pending(
    rt: Runtime, conn: Connection, *, operator_id: str, actor: str, slug: str, name: str | None
) -> Tenant:
    now = rt.now()
    tenant = create_tenant(conn, slug=slug, name=name, now=now, status="pending")
    create_data_key(rt, conn, tenant.id)
    conn.execute(
        insert(memberships).values(
            tenant_id=tenant.id, operator_id=operator_id, role="owner", created_at=now
        )
    )
    record(conn, tenant_id=tenant.id, actor=actor, action="org.signed_up", target=slug, now=now)
    return tenant


def create_organization(
    rt: Runtime, operator: Operator, *, slug: str, name: str | None
) -> Organization:
    with database.write(rt.engine) as conn:
        tenant = _create_pending(
            rt, conn, operator_id=operator.id, actor=operator.actor, slug=slug, name=name
        )
    return organization_of(rt, tenant)


def provision_organization(
    rt: Runtime, operator: Operator, *, slug: str, name: str | None, tier: str
) -> Organization:
    """An organization that serves at once, on ``tier``, with no member: how the host's own
    operator provisions tenants, where a sign-up waits for approval on the free tier."""
    require_platform_permission(operator, "platform.orgs.create")
    now = rt.now()
    with database.write(rt.engine) as conn:
        get_tier(conn, tier)
        tenant = create_tenant(conn, slug=slug, name=name, now=now, tier=tier)
        create_data_key(rt, conn, tenant.id)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="org.created",
            target=slug,
            details={"status": tenant.status, "tier": tier},
            now=now,
        )
    rt.cache.invalidate(("tenant", slug))  # a lookup before it existed may be cached
    return organization_of(rt, tenant)


def sign_up(
    rt: Runtime, *, email: str, password: str, name: str | None, slug: str, org_name: str | None
) -> Organization:
    """Self-service: a new operator account and its first organization, pending approval."""
    with database.write(rt.engine) as conn:
        platform_id = platform_tenant_id(conn)
        operator = create_customer(
            conn, tenant_id=platform_id, email=email, password=password, name=name, now=rt.now()
        )
        tenant = _create_pending(
            rt,
            conn,
            operator_id=operator.id,
            actor=f"operator:{operator.email}",
            slug=slug,
            name=org_name,
        )
    return organization_of(rt, tenant)


def list_organizations(
    rt: Runtime, operator: Operator, *, status: str | None
) -> list[Organization]:
    query = select(tenants).where(tenants.c.slug != PLATFORM_SLUG).order_by(tenants.c.slug)
    if not operator.platform_owner:
        query = query.where(tenants.c.id.in_(list(operator.roles)))
    if status:
        query = query.where(tenants.c.status == status)
    with database.read(rt.engine) as conn:
        rows = conn.execute(query).all()
    return [organization_of(rt, Tenant(r.id, r.slug, r.name, r.status, r.tier)) for r in rows]


def get_organization(rt: Runtime, operator: Operator, slug: str) -> Organization:
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.read")
    return organization_of(rt, tenant)


def change_status(rt: Runtime, operator: Operator, slug: str, action: str) -> Organization:
    allowed_from, status, audit_action = TRANSITIONS[action]
    permission = (
        "platform.orgs.approve" if action in ("approve", "reject") else "platform.orgs.suspend"
    )
    with database.write(rt.engine) as conn:
        tenant = find_organization(conn, slug)
        require_platform_permission_on(operator, tenant.id, permission)
        changed = conn.execute(
            update(tenants)
            .where(tenants.c.id == tenant.id, tenants.c.status.in_(allowed_from))
            .values(status=status)
        )
        if changed.rowcount != 1:
            raise Conflict(f"cannot {action} an organization that is {tenant.status}")
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action=audit_action,
            target=slug,
            details={"from": tenant.status, "to": status},
            now=rt.now(),
        )
    rt.cache.invalidate(("tenant", slug))
    return organization_of(rt, Tenant(tenant.id, slug, tenant.name, status, tenant.tier))


def set_tier(rt: Runtime, operator: Operator, slug: str, tier: str) -> Organization:
    with database.write(rt.engine) as conn:
        tenant = find_organization(conn, slug)
        require_platform_permission_on(operator, tenant.id, "platform.tiers.write")
        get_tier(conn, tier)
        conn.execute(update(tenants).where(tenants.c.id == tenant.id).values(tier=tier))
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="org.tier_changed",
            target=slug,
            details={"from": tenant.tier, "to": tier},
            now=rt.now(),
        )
    rt.cache.invalidate(("tenant", slug))
    return organization_of(rt, Tenant(tenant.id, slug, tenant.name, tenant.status, tier))


def delete_organization(rt: Runtime, operator: Operator, slug: str) -> None:
    """Delete the organization and, by cascade, all its data; the platform log keeps the fact."""
    with database.write(rt.engine) as conn:
        tenant = find_organization(conn, slug)
        require_platform_permission_on(operator, tenant.id, "platform.orgs.delete")
        conn.execute(delete(tenants).where(tenants.c.id == tenant.id))
        record(
            conn,
            tenant_id=platform_tenant_id(conn),
            actor=operator.actor,
            action="org.deleted",
            target=slug,
            details={"tenant_id": tenant.id},
            now=rt.now(),
        )
    rt.cache.invalidate(("tenant", slug))
