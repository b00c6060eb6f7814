"""The platform tenant: the operators' identity pool, its CLI client and the first owner.

``init_platform`` is idempotent: run again, it creates only what is missing. The admin API
accepts only access tokens the platform tenant issued for ``ADMIN_AUDIENCE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from idgate.audit.hash_chain import record
from idgate.crypto.digests import random_token
from idgate.identity.customers import create_customer, normalize_email
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import create_data_key
from idgate.oauth.clients import find_client, register_client
from idgate.storage import database
from idgate.storage.tables import customers, memberships
from idgate.tenancy.tenants import PLATFORM_SLUG, create_tenant, find_tenant

ADMIN_AUDIENCE = "idgate-admin-api"
CLI_CLIENT_ID = "idgate-cli"


@dataclass(frozen=True)
class PlatformInit:
    owner_email: str
    created_owner: bool
    generated_password: str | None


def init_platform(rt: Runtime, *, owner_email: str, password: str | None) -> PlatformInit:
    now = rt.now()
    email = normalize_email(owner_email)
    generated = None
    with database.write(rt.engine) as conn:
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
        owner_id = conn.execute(
            select(customers.c.id).where(
                customers.c.tenant_id == tenant.id, customers.c.email == email
            )
        ).scalar()
        created = owner_id is None
        if owner_id is None:
            if password is None:
                password = generated = random_token(18)
            owner_id = create_customer(
                conn, tenant_id=tenant.id, email=email, password=password, name=None, now=now
            ).id
        is_owner = conn.execute(
            select(memberships.c.role).where(
                memberships.c.tenant_id == tenant.id, memberships.c.operator_id == owner_id
            )
        ).scalar()
        if is_owner is None:
            conn.execute(
                insert(memberships).values(
                    tenant_id=tenant.id, operator_id=owner_id, role="owner", created_at=now
                )
            )
            record(
                conn,
                tenant_id=tenant.id,
                actor="system",
                action="platform.owner_added",
                target=email,
                now=now,
            )
    if find_client(rt, tenant.id, CLI_CLIENT_ID) is None:
        with database.write(rt.engine) as conn:
            register_client(
                rt,
                conn,
                tenant=tenant,
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
        rt.cache.invalidate(("client", tenant.id, CLI_CLIENT_ID))
    return PlatformInit(email, created, generated)
