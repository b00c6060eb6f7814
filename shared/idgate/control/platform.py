"""The platform tenant: the operators' identity pool, its CLI client and the first owner.

``init_platform`` is idempotent: run again, it creates only what is missing. The admin API
accepts only access tokens the platform tenant issued for ``ADMIN_AUDIENCE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from idgate.audit.hash_chain import record
from idgate.crypto.digests import random_token
from idgate.identity.customers import create_customer, normalize_email
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import create_data_key
from idgate.oauth.clients import find_client, register_client
from idgate.storage import database
from idgate.storage.tables import customers, memberships
from idgate.tenancy.tenants import PLATFORM_SLUG, Tenant, create_tenant, find_tenant

ADMIN_AUDIENCE = "idgate-admin-api"
CLI_CLIENT_ID = "idgate-cli"


@dataclass(frozen=True)
class PlatformInit:
    owner_email: str
    created_owner: bool
    generated_password: str | None


def _platform_tenant(rt: Runtime, conn: Connection, now: float) -> Tenant:
    tenant = find_tenant(conn, PLATFORM_SLUG)
    if tenant is None:
        tenant = create_tenant(
            conn,
            slug=PLATFORM_SLUG,
            name="idgate platform",
            now=now,
            tier="enterprise",
            reserved_ok=True,
        )
        create_data_key(rt, conn, tenant.id)
    return tenant


def _operator_id(conn: Connection, platform_id: str, email: str) -> str | None:
    return conn.execute(
        select(customers.c.id).where(
            customers.c.tenant_id == platform_id, customers.c.email == email
        )
    ).scalar()


def _create_operator(
    conn: Connection, platform_id: str, email: str, password: str | None, now: float
) -> tuple[str, str | None]:
    """The new operator's id, and the password generated for it when none was given (the
    caller shows it once)."""
    generated = None
    if password is None:
        password = generated = random_token(18)
    operator = create_customer(
        conn, tenant_id=platform_id, email=email, password=password, name=None, now=now
    )
    return operator.id, generated


def _make_owner(
    conn: Connection, platform_id: str, operator_id: str, email: str, now: float
) -> None:
    """Make the operator a platform owner; a membership it already has is left as it is."""
    membership = conn.execute(
        select(memberships.c.role).where(
            memberships.c.tenant_id == platform_id, memberships.c.operator_id == operator_id
        )
    ).scalar()
    if membership is not None:
        return
    conn.execute(
        insert(memberships).values(
            tenant_id=platform_id, operator_id=operator_id, role="owner", created_at=now
        )
    )
    record(
        conn,
        tenant_id=platform_id,
        actor="system",
        action="platform.owner_added",
        target=email,
        now=now,
    )


def _register_cli_client(rt: Runtime, platform: Tenant) -> None:
    if find_client(rt, platform.id, CLI_CLIENT_ID) is not None:
        return
    with database.write(rt.engine) as conn:
        register_client(
            rt,
            conn,
            tenant=platform,
            client_id=CLI_CLIENT_ID,
            name="idgate CLI",
            client_type="public",
            secret=None,
            redirect_uris=[],
            post_logout_redirect_uris=[],
            grants=["device_code", "refresh_token"],
            access_token_ttl=900,
            audience=ADMIN_AUDIENCE,
        )
    rt.cache.invalidate(("client", platform.id, CLI_CLIENT_ID))


def init_platform(rt: Runtime, *, owner_email: str, password: str | None) -> PlatformInit:
    now = rt.now()
    email = normalize_email(owner_email)
    generated = None
    with database.write(rt.engine) as conn:
        platform = _platform_tenant(rt, conn, now)
        owner_id = _operator_id(conn, platform.id, email)
        created = owner_id is None
        if owner_id is None:
            owner_id, generated = _create_operator(conn, platform.id, email, password, now)
        _make_owner(conn, platform.id, owner_id, email, now)
    rt.cache.invalidate(("tenant", PLATFORM_SLUG))  # a lookup before it existed may be cached
    _register_cli_client(rt, platform)
    return PlatformInit(email, created, generated)
