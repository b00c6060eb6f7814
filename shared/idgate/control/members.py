"""Memberships: which operators work on an organization, in which role. Owners invite
existing operator accounts by email and remove members; the last owner cannot leave."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from idgate.audit.hash_chain import record
from idgate.control.organizations import authorized_organization
from idgate.control.rbac import ROLES, Operator
from idgate.identity.customers import normalize_email
from idgate.kernel.errors import Conflict, NotFound, ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers, memberships
from idgate.tenancy.tenants import platform_tenant_id


@dataclass(frozen=True)
class Member:
    operator_id: str
    email: str
    role: str


def _owners(conn: Connection, tenant_id: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(memberships)
            .where(memberships.c.tenant_id == tenant_id, memberships.c.role == "owner")
        ).scalar_one()
    )


def list_members(rt: Runtime, operator: Operator, slug: str) -> list[Member]:
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.members.read")
        rows = conn.execute(
            select(memberships.c.operator_id, customers.c.email, memberships.c.role)
            .join(customers, customers.c.id == memberships.c.operator_id)
            .where(memberships.c.tenant_id == tenant.id)
            .order_by(customers.c.email)
        ).all()
    return [Member(r.operator_id, r.email, r.role) for r in rows]


def _operator_account(conn: Connection, email: str) -> tuple[str, str]:
    """The id and stored email of the platform user to invite: members are existing operators."""
    invitee = conn.execute(
        select(customers.c.id, customers.c.email).where(
            customers.c.tenant_id == platform_tenant_id(conn),
            customers.c.email == normalize_email(email),
        )
    ).first()
    if invitee is None:
        raise NotFound("no operator account with this email; they must sign up first")
    return invitee.id, invitee.email


def _set_role(rt: Runtime, conn: Connection, tenant_id: str, operator_id: str, role: str) -> None:
    """Give an existing member the new role, or add the operator as a member."""
    existing = conn.execute(
        select(memberships.c.role).where(
            memberships.c.tenant_id == tenant_id, memberships.c.operator_id == operator_id
        )
    ).scalar()
    if existing is None:
        conn.execute(
            insert(memberships).values(
                tenant_id=tenant_id, operator_id=operator_id, role=role, created_at=rt.now()
            )
        )
        return
    if existing == "owner" and role != "owner" and _owners(conn, tenant_id) == 1:
        raise Conflict("an organization keeps at least one owner")
    conn.execute(
        update(memberships)
        .where(memberships.c.tenant_id == tenant_id, memberships.c.operator_id == operator_id)
        .values(role=role)
    )


def add_member(rt: Runtime, operator: Operator, slug: str, *, email: str, role: str) -> Member:
    """Invite an operator, or change a member's role."""
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.members.write")
        invitee_id, invitee_email = _operator_account(conn, email)
        _set_role(rt, conn, tenant.id, invitee_id, role)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="member.added",
            target=invitee_email,
            details={"role": role},
            now=rt.now(),
        )
    return Member(invitee_id, invitee_email, role)


def remove_member(rt: Runtime, operator: Operator, slug: str, operator_id: str) -> None:
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.members.write")
        role = conn.execute(
            select(memberships.c.role).where(
                memberships.c.tenant_id == tenant.id, memberships.c.operator_id == operator_id
            )
        ).scalar()
        if role is None:
            raise NotFound("no such member")
        if role == "owner" and _owners(conn, tenant.id) == 1:
            raise Conflict("an organization keeps at least one owner")
        conn.execute(
            delete(memberships).where(
                memberships.c.tenant_id == tenant.id, memberships.c.operator_id == operator_id
            )
        )
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="member.removed",
            target=operator_id,
            now=rt.now(),
        )
