"""Roles and named permissions of the control plane.

Operators are users of the reserved ``platform`` tenant. A membership gives an operator a
role in one organization; a membership in the platform tenant itself with role ``owner``
makes a platform owner, who holds every permission on every organization. Each admin API
call checks exactly one permission.

``LOCAL_OPERATOR`` is whoever runs the ``idgate`` command on a host with the database's
credentials (``idgate tenant create``, ``client create``, ``user create``, ``tenant
set-tier``; the dev server's demo seeding; test set-up). Holding those credentials already
grants everything, so it is a platform owner; it has no account in the platform tenant and
no memberships, and its audit events carry the actor ``operator:local-cli``, where an
operator signed in through the admin API appears as ``operator:<email>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from idgate.kernel.errors import Forbidden, NotFound

Role = Literal["owner", "admin", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)

_VIEWER = frozenset(
    {
        "org.read",
        "org.apps.read",
        "org.customers.read",
        "org.connections.read",
        "org.members.read",
        "org.audit.read",
        "org.keys.read",
        "org.analytics.read",
    }
)
_ADMIN = _VIEWER | {
    "org.apps.write",
    "org.customers.write",
    "org.customers.sessions.revoke",
    "org.connections.write",
    "org.settings.write",
}
# Rotating the signing keys touches every relying party of the organization (and, done
# immediately, invalidates every token issued): an owner's decision.
_OWNER = _ADMIN | {"org.members.write", "org.keys.rotate"}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {"viewer": _VIEWER, "admin": _ADMIN, "owner": _OWNER}
PLATFORM_PERMISSIONS = frozenset(
    {
        "platform.orgs.read",
        "platform.orgs.create",
        "platform.orgs.approve",
        "platform.orgs.suspend",
        "platform.orgs.delete",
        "platform.tiers.write",
        "platform.audit.read",
        "platform.analytics.read",
    }
)


@dataclass(frozen=True)
class Operator:
    id: str
    email: str
    platform_owner: bool
    roles: dict[str, str] = field(default_factory=dict)  # organization tenant id -> role

    @property
    def actor(self) -> str:
        return f"operator:{self.email}"


LOCAL_OPERATOR = Operator(id="local-cli", email="local-cli", platform_owner=True)


def permissions_in(operator: Operator, tenant_id: str) -> frozenset[str]:
    if operator.platform_owner:
        return _OWNER
    role = operator.roles.get(tenant_id)
    return ROLE_PERMISSIONS.get(role, frozenset()) if role else frozenset()


def require_org_permission(operator: Operator, tenant_id: str, permission: str) -> None:
    """403 for a member without the permission; 404 for a non-member, so an operator cannot
    even learn that another organization exists."""
    if not operator.platform_owner and tenant_id not in operator.roles:
        raise NotFound("no such organization")
    if permission not in permissions_in(operator, tenant_id):
        raise Forbidden(f"this needs the {permission} permission")


def require_platform_permission(operator: Operator, permission: str) -> None:
    if not operator.platform_owner or permission not in PLATFORM_PERMISSIONS:
        raise Forbidden(f"this needs the {permission} permission (platform owners only)")


def require_platform_permission_on(operator: Operator, tenant_id: str, permission: str) -> None:
    """A platform-only action on one organization: a non-member gets 404 as on every other
    organization call, a member 403."""
    if not operator.platform_owner and tenant_id not in operator.roles:
        raise NotFound("no such organization")
    require_platform_permission(operator, permission)
