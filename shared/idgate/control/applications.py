"""Applications on the control plane: create (within the tier's limit), list, read, update,
rotate the secret (shown once), delete; every change audited."""

from __future__ import annotations

from typing import Any

from idgate.audit.hash_chain import record
from idgate.control.organizations import authorized_organization
from idgate.control.rbac import Operator
from idgate.kernel.runtime import Runtime
from idgate.oauth.client_model import Client
from idgate.oauth.clients import (
    delete_client,
    list_clients,
    load_client,
    register_client,
    rotate_client_secret,
    update_client,
)
from idgate.storage import database
from idgate.tenancy.tiers import check_application_limit


def list_applications(rt: Runtime, operator: Operator, slug: str) -> list[Client]:
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.apps.read")
        return list_clients(conn, tenant.id)


def get_application(rt: Runtime, operator: Operator, slug: str, client_id: str) -> Client:
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.apps.read")
        return load_client(conn, tenant.id, client_id)


def create_application(
    rt: Runtime, operator: Operator, slug: str, **fields: Any
) -> tuple[Client, str | None]:
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.apps.write")
        check_application_limit(conn, tenant)
        client, secret = register_client(rt, conn, tenant=tenant, **fields)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="app.created",
            target=client.client_id,
            now=rt.now(),
        )
    return client, secret


def update_application(
    rt: Runtime, operator: Operator, slug: str, client_id: str, **changes: Any
) -> Client:
    """Apply the given changes; ``None`` leaves a setting as it is. No change at all (an
    empty PATCH, RFC 7396) answers the application unchanged, neither written nor audited,
    yet checked like a change: the permission, then the application's existence."""
    changed = sorted(k for k, v in changes.items() if v is not None)
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.apps.write")
        if not changed:
            return load_client(conn, tenant.id, client_id)
        client = update_client(rt, conn, tenant.id, client_id, **changes)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="app.updated",
            target=client_id,
            details={"fields": changed},
            now=rt.now(),
        )
    return client


def rotate_application_secret(
    rt: Runtime, operator: Operator, slug: str, client_id: str
) -> tuple[Client, str]:
    """A new secret for the application, returned (once) with the application."""
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.apps.write")
        secret = rotate_client_secret(rt, conn, tenant.id, client_id)
        client = load_client(conn, tenant.id, client_id)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="app.secret_rotated",
            target=client_id,
            now=rt.now(),
        )
    return client, secret


def delete_application(rt: Runtime, operator: Operator, slug: str, client_id: str) -> None:
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.apps.write")
        delete_client(rt, conn, tenant.id, client_id)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="app.deleted",
            target=client_id,
            now=rt.now(),
        )
