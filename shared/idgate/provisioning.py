"""Provisioning used by the CLI and the local demo: schema migration and the operator
commands that create tenants, clients and customers, each in one transaction.

These are platform-level operations (an operator on the command line or the dev server's
start-up), so they run with the '*' tenant scope: PostgreSQL row-level security does not
confine them (``idgate.storage.tenant_scope``)."""

from __future__ import annotations

from sqlalchemy import func, select

from idgate.identity.customers import Customer, create_customer
from idgate.kernel.errors import NotFound
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import create_data_key
from idgate.oauth.clients import Client, register_client
from idgate.storage import database
from idgate.storage.tables import tenants
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import Tenant, find_tenant
from idgate.tenancy.tenants import create_tenant as insert_tenant

_platform_scope = scoped(ALL_TENANTS)


@_platform_scope
def prepare_database(rt: Runtime) -> None:
    # Alembic loads here, not with this module: the server (local.server) never migrates.
    from idgate.storage.migrations import upgrade_to_head

    upgrade_to_head(rt.engine, rt.settings)


@_platform_scope
def create_tenant(rt: Runtime, *, slug: str, name: str | None) -> Tenant:
    with database.write(rt.engine) as conn:
        tenant = insert_tenant(conn, slug=slug, name=name, now=rt.now())
        create_data_key(rt, conn, tenant.id)
    return tenant


@_platform_scope
def existing_tenant(rt: Runtime, slug: str) -> Tenant:
    with database.read(rt.engine) as conn:
        tenant = find_tenant(conn, slug)
    if tenant is None:
        raise NotFound(f"no tenant with slug '{slug}'")
    return tenant


@_platform_scope
def create_client(rt: Runtime, slug: str, **fields: object) -> tuple[Client, str | None]:
    tenant = existing_tenant(rt, slug)
    with database.write(rt.engine) as conn:
        return register_client(rt, conn, tenant=tenant, **fields)  # type: ignore[arg-type]


@_platform_scope
def create_user(rt: Runtime, slug: str, *, email: str, password: str, name: str | None) -> Customer:
    tenant = existing_tenant(rt, slug)
    with database.write(rt.engine) as conn:
        return create_customer(
            conn, tenant_id=tenant.id, email=email, password=password, name=name, now=rt.now()
        )


@_platform_scope
def database_is_empty(rt: Runtime) -> bool:
    with database.read(rt.engine) as conn:
        return conn.execute(select(func.count()).select_from(tenants)).scalar_one() == 0
