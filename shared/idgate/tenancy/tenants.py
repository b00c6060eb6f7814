"""Organizations (tenants): creation, lookup, and the issuer each one serves.

A tenant's issuer is ``{public_url}/t/{slug}`` (OIDC Discovery §4: the discovery document
lives under the issuer path).

Every lookup of a tenant by slug is one of three, chosen by where the caller stands:

- ``find_tenant(conn, slug)``: inside the caller's transaction, any status, ``None`` when
  absent (the control plane wraps it as ``control.organizations.find_organization``);
- ``serving_tenant(rt, slug)``: the tenant an issuer path serves, cached per process,
  raising for an unknown or inactive one (the HTTP edge then sets the request's scope);
- ``platform_tenant_id(conn)``: the reserved platform tenant.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from idgate.kernel.errors import Conflict, NotFound, TenantUnavailable, ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import tenants
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.policy import DEFAULT_POLICY, TenantPolicy, policy_from_stored

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
PLATFORM_SLUG = "platform"
RESERVED_SLUGS = frozenset(
    {"api", "admin", "demo-rp", "static", "health", "metrics", PLATFORM_SLUG}
)


@dataclass(frozen=True)
class Tenant:
    id: str
    slug: str
    name: str
    status: str
    tier: str
    policy: TenantPolicy = DEFAULT_POLICY


def _from_row(row: object) -> Tenant:
    m = row._mapping  # type: ignore[attr-defined]
    return Tenant(
        id=m["id"],
        slug=m["slug"],
        name=m["name"],
        status=m["status"],
        tier=m["tier"],
        policy=policy_from_stored(m["policy"]),
    )


def create_tenant(
    conn: Connection,
    *,
    slug: str,
    name: str | None,
    now: float,
    status: str = "active",
    tier: str = "free",
    reserved_ok: bool = False,
) -> Tenant:
    if not SLUG_PATTERN.match(slug) or (slug in RESERVED_SLUGS and not reserved_ok):
        raise ValidationFailed(
            "slug must be 1-63 lowercase letters, digits or hyphens, not starting or ending "
            "with a hyphen, and not a reserved word",
            field="slug",
        )
    tenant = Tenant(id=str(uuid.uuid4()), slug=slug, name=name or slug, status=status, tier=tier)
    try:
        with conn.begin_nested():
            conn.execute(
                insert(tenants).values(
                    id=tenant.id,
                    slug=slug,
                    name=tenant.name,
                    status=status,
                    tier=tier,
                    created_at=now,
                )
            )
    except IntegrityError as exc:
        raise Conflict(f"a tenant with slug '{slug}' already exists") from exc
    return tenant


def find_tenant(conn: Connection, slug: str) -> Tenant | None:
    row = conn.execute(select(tenants).where(tenants.c.slug == slug)).first()
    return _from_row(row) if row else None


def platform_tenant_id(conn: Connection) -> str:
    """The id of the reserved platform tenant (the operators' pool and platform-wide log)."""
    found = conn.execute(select(tenants.c.id).where(tenants.c.slug == PLATFORM_SLUG)).scalar()
    if found is None:
        raise NotFound("the platform is not initialized")
    return str(found)


def serving_tenant(rt: Runtime, slug: str) -> Tenant:
    """The tenant behind an issuer path, cached per process; only active tenants serve.

    The HTTP edge makes its id the request's tenant scope (``web.deps``); this function
    sets no scope, so the control plane and tests can call it too."""

    def load() -> Tenant | None:
        # Resolving the slug precedes (and decides) the request's tenant scope, so it looks
        # across tenants; nothing but this one row by its public slug is read.
        with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
            return find_tenant(conn, slug)

    tenant = rt.cache.get_or_load(("tenant", slug), load)
    if tenant is None:
        raise NotFound("unknown tenant")
    if tenant.status != "active":
        raise TenantUnavailable("this organization is not active")
    return tenant


def issuer_url(rt: Runtime, tenant: Tenant) -> str:
    return f"{rt.public_url}/t/{tenant.slug}"
