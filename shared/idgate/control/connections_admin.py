"""Upstream connections (bring your own OAuth) on the control plane: list, read, create or
replace, delete, for the admin API and the local CLI alike.

A tier without ``byo_oauth_allowed`` refuses creating a connection or saving one enabled
(403, naming the tier); it still lets an operator disable or delete what an organization
made on a higher tier. Every change is audited with the names of the fields it changed,
never the client secret, which no answer carries either.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from idgate.audit.hash_chain import record
from idgate.control.organizations import authorized_organization, organization_of
from idgate.control.rbac import Operator
from idgate.identity.upstream.connection_model import UpstreamConnection
from idgate.identity.upstream.connections import (
    ConnectionSettings,
    callback_url_under,
    delete_connection,
    find_connection,
    list_connections,
    load_connection,
    save_connection,
)
from idgate.kernel.errors import LimitReached
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import upstream_identities
from idgate.tenancy.tenants import Tenant
from idgate.tenancy.tiers import get_tier

# What an operator sets and the audit log may name (the secret only by its field name).
_AUDITED = ("provider", "name", "client_id", "issuer", "microsoft_tenant", "scopes", "enabled")


@dataclass(frozen=True)
class ConnectionView:
    """A connection as operators see it: the redirect URI to register at the provider
    (the path alone in a process without a public URL, as ``organization_of``'s issuer)."""

    connection: UpstreamConnection
    callback_url: str


def _view(rt: Runtime, tenant: Tenant, connection: UpstreamConnection) -> ConnectionView:
    issuer = organization_of(rt, tenant).issuer
    return ConnectionView(connection, callback_url_under(issuer, connection.id))


def list_upstream_connections(rt: Runtime, operator: Operator, slug: str) -> list[ConnectionView]:
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.connections.read")
        return [_view(rt, tenant, c) for c in list_connections(conn, tenant.id)]


def get_upstream_connection(
    rt: Runtime, operator: Operator, slug: str, connection_id: str
) -> ConnectionView:
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.connections.read")
        return _view(rt, tenant, load_connection(conn, tenant.id, connection_id))


def _check_tier(conn: Connection, tenant: Tenant, creating: bool, enabled: bool) -> None:
    if not (creating or enabled):
        return  # disabling what a higher tier allowed is always possible
    tier = get_tier(conn, tenant.tier)
    if not tier.byo_oauth_allowed:
        raise LimitReached(
            f"the {tier.name} tier does not allow bring-your-own OAuth connections; "
            "move to a higher tier"
        )


def _changed_fields(
    before: UpstreamConnection | None, after: UpstreamConnection, secret_given: bool
) -> list[str]:
    names = [
        name for name in _AUDITED if before is None or getattr(before, name) != getattr(after, name)
    ]
    return sorted([*names, "client_secret"] if secret_given else names)


def put_upstream_connection(
    rt: Runtime, operator: Operator, slug: str, connection_id: str, wanted: ConnectionSettings
) -> tuple[ConnectionView, bool]:
    """Create or replace the connection; returns it and whether it was created. A PUT that
    changes nothing is not audited."""
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.connections.write")
        before = find_connection(conn, tenant.id, connection_id)
        _check_tier(conn, tenant, before is None, wanted.enabled)
        saved, created = save_connection(rt, conn, tenant, connection_id, wanted)
        changed = _changed_fields(before, saved, wanted.client_secret is not None)
        if changed:
            record(
                conn,
                tenant_id=tenant.id,
                actor=operator.actor,
                action="connection.created" if created else "connection.updated",
                target=connection_id,
                details={"fields": changed},
                now=rt.now(),
            )
        return _view(rt, tenant, saved), created


def _linked_count(conn: Connection, tenant_id: str, connection_id: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(upstream_identities)
            .where(
                upstream_identities.c.tenant_id == tenant_id,
                upstream_identities.c.connection_id == connection_id,
            )
        ).scalar_one()
    )


def delete_upstream_connection(
    rt: Runtime, operator: Operator, slug: str, connection_id: str
) -> None:
    """Delete the connection and the customers' accounts linked through it."""
    with database.write(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, "org.connections.write")
        load_connection(conn, tenant.id, connection_id)  # 404 before anything else
        unlinked = _linked_count(conn, tenant.id, connection_id)
        delete_connection(rt, conn, tenant.id, connection_id)
        record(
            conn,
            tenant_id=tenant.id,
            actor=operator.actor,
            action="connection.deleted",
            target=connection_id,
            details={"identities_unlinked": unlinked},
            now=rt.now(),
        )
