"""A tenant's signing keys on the control plane: list them and rotate them (OIDC Core
§10.1.1 rollover, ``idgate.keys.key_rotation``), for the admin API and the local CLI alike.

Viewers read the keys (what the JWKS publishes anyway, plus status and times, never private
material); owners rotate (``org.keys.rotate``), audited as ``keys.rotated``. A platform
owner may also rotate the keys of the platform tenant itself, which sign the operators'
tokens; to anyone else that tenant is no organization (404), as everywhere on the control
plane.
"""

from __future__ import annotations

from sqlalchemy import Connection

from idgate.audit.hash_chain import record
from idgate.control.organizations import authorized_organization
from idgate.control.rbac import Operator
from idgate.kernel.errors import NotFound
from idgate.kernel.runtime import Runtime
from idgate.keys.key_rotation import (
    KeyInfo,
    Rotation,
    forget_rotated_keys,
    list_keys,
    prepare_rotation,
    promote_due_keys,
    store_rotation,
)
from idgate.storage import database
from idgate.tenancy.tenants import PLATFORM_SLUG, Tenant, find_tenant


def _keyed_tenant(conn: Connection, operator: Operator, slug: str, permission: str) -> Tenant:
    """The organization, once the operator holds ``permission`` there; or the platform
    tenant, for a platform owner."""
    if slug == PLATFORM_SLUG and operator.platform_owner:
        tenant = find_tenant(conn, slug)
        if tenant is None:
            raise NotFound("no such organization")
        return tenant
    return authorized_organization(conn, operator, slug, permission)


def list_signing_keys(rt: Runtime, operator: Operator, slug: str) -> list[KeyInfo]:
    """Every key the tenant publishes, oldest first, with its status as of now (a next key
    whose time has come is promoted first)."""
    with database.read(rt.engine) as conn:
        tenant = _keyed_tenant(conn, operator, slug, "org.keys.read")
    promote_due_keys(rt, tenant.id)
    with database.read(rt.engine) as conn:
        return list_keys(conn, tenant.id)


def rotate_signing_keys(
    rt: Runtime, operator: Operator, slug: str, immediate: bool = False
) -> Rotation:
    """Publish a next key per algorithm, signing after IDGATE_KEY_ROTATION_DELAY_SECONDS;
    ``immediate``: sign with new keys now and withdraw every earlier one (a compromised
    key). The permission is checked before the keys are generated (no one else makes the
    server generate RSA keys) and again in the transaction that stores them."""
    with database.read(rt.engine) as conn:
        tenant = _keyed_tenant(conn, operator, slug, "org.keys.rotate")
    new = prepare_rotation(rt, tenant.id)
    with database.write(rt.engine) as conn:
        tenant = _keyed_tenant(conn, operator, slug, "org.keys.rotate")
        rotation = store_rotation(rt, conn, tenant.id, new, immediate=immediate)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="keys.rotated",
            target=slug,
            details={
                "kids": [key.kid for key in rotation.keys],
                "activates_at": rotation.activates_at,
                "immediate": immediate,
                "withdrawn": rotation.withdrawn,
            },
            now=rt.now(),
        )
    forget_rotated_keys(rt, tenant.id, rotation)
    return rotation
