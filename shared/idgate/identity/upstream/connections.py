"""An organization's upstream connections: which provider, its OAuth client id and secret
(an AES-256-GCM envelope under the tenant's data key, bound to tenant and purpose), display
name, issuer, scopes, and whether its button shows on the sign-in page.

The callback URL to register at the provider is ``{issuer}/upstream/{id}/callback``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from idgate.identity.upstream.connection_model import UpstreamConnection
from idgate.identity.upstream.destinations import check_destination
from idgate.identity.upstream.providers import PROVIDER_NAMES, provider_named
from idgate.kernel.errors import NotFound, ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import open_for_tenant, seal_for_tenant
from idgate.storage import database
from idgate.storage.tables import upstream_connections, upstream_flows, upstream_identities
from idgate.tenancy.tenants import Tenant, issuer_url

SEALING_PURPOSE = "upstream-client-secret"  # the envelope's associated data
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_MICROSOFT_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}")  # a name, tenant ID or domain
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,200}")  # RFC 6749 §3.3 scope-token


@dataclass(frozen=True)
class ConnectionSettings:
    """What an operator sets; ``client_secret`` None keeps the stored one (a new connection
    needs one)."""

    provider: str
    client_id: str
    client_secret: str | None
    name: str | None = None
    issuer: str | None = None
    microsoft_tenant: str | None = None
    scopes: tuple[str, ...] = ()
    enabled: bool = True


def callback_url(rt: Runtime, tenant: Tenant, connection_id: str) -> str:
    return callback_url_under(issuer_url(rt, tenant), connection_id)


def callback_url_under(issuer: str, connection_id: str) -> str:
    """The callback under an issuer given as a string (the control plane's, which is the
    path alone in a CLI process without a public URL)."""
    return f"{issuer}/upstream/{connection_id}/callback"


def _from_row(row: object) -> UpstreamConnection:
    m = dict(row._mapping)  # type: ignore[attr-defined]
    m.pop("client_secret")
    m["scopes"] = tuple(m["scopes"])
    return UpstreamConnection(**m)


def list_connections(conn: Connection, tenant_id: str) -> list[UpstreamConnection]:
    query = (
        select(upstream_connections)
        .where(upstream_connections.c.tenant_id == tenant_id)
        .order_by(upstream_connections.c.created_at, upstream_connections.c.id)
    )
    return [_from_row(row) for row in conn.execute(query)]


def find_connection(
    conn: Connection, tenant_id: str, connection_id: str
) -> UpstreamConnection | None:
    if not _ID.fullmatch(connection_id):
        return None  # cannot exist; and PostgreSQL refuses some (NUL) outright, with a 500
    row = conn.execute(
        select(upstream_connections).where(
            upstream_connections.c.tenant_id == tenant_id,
            upstream_connections.c.id == connection_id,
        )
    ).first()
    return _from_row(row) if row else None


def load_connection(conn: Connection, tenant_id: str, connection_id: str) -> UpstreamConnection:
    found = find_connection(conn, tenant_id, connection_id)
    if found is None:
        raise NotFound(f"no connection '{connection_id}'")
    return found


def enabled_connections(rt: Runtime, tenant: Tenant) -> list[UpstreamConnection]:
    """The sign-in page's buttons, cached per process like other tenant configuration."""

    def load() -> list[UpstreamConnection]:
        with database.read(rt.engine) as conn:
            return [c for c in list_connections(conn, tenant.id) if c.enabled]

    return rt.cache.get_or_load(("upstream_connections", tenant.id), load)


def enabled_connection(rt: Runtime, tenant: Tenant, connection_id: str) -> UpstreamConnection:
    for connection in enabled_connections(rt, tenant):
        if connection.id == connection_id:
            return connection
    raise NotFound("this sign-in method is not available")


def connection_secret(rt: Runtime, connection: UpstreamConnection) -> str:
    with database.read(rt.engine) as conn:
        sealed = conn.execute(
            select(upstream_connections.c.client_secret).where(
                upstream_connections.c.tenant_id == connection.tenant_id,
                upstream_connections.c.id == connection.id,
            )
        ).scalar()
    if sealed is None:
        raise NotFound("this sign-in method is not available")
    return open_for_tenant(rt, connection.tenant_id, sealed, SEALING_PURPOSE).decode()


def save_connection(
    rt: Runtime, conn: Connection, tenant: Tenant, connection_id: str, wanted: ConnectionSettings
) -> tuple[UpstreamConnection, bool]:
    """Create or replace the connection; returns it and whether it was created."""
    values = _validated(rt, connection_id, wanted)
    existing = find_connection(conn, tenant.id, connection_id)
    if wanted.client_secret is not None:
        values["client_secret"] = seal_for_tenant(
            rt, tenant.id, wanted.client_secret.encode(), SEALING_PURPOSE
        )
    elif existing is None:
        raise ValidationFailed(
            "client_secret is required for a new connection", field="client_secret"
        )
    now = rt.now()
    if existing is None:
        conn.execute(
            insert(upstream_connections).values(
                tenant_id=tenant.id, id=connection_id, created_at=now, updated_at=now, **values
            )
        )
    else:
        conn.execute(
            update(upstream_connections)
            .where(
                upstream_connections.c.tenant_id == tenant.id,
                upstream_connections.c.id == connection_id,
            )
            .values(updated_at=now, **values)
        )
    rt.cache.invalidate(("upstream_connections", tenant.id))
    return load_connection(conn, tenant.id, connection_id), existing is None


def _validated(rt: Runtime, connection_id: str, wanted: ConnectionSettings) -> dict[str, object]:
    if not _ID.fullmatch(connection_id):
        raise ValidationFailed(
            "id: use 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit",
            field="id",
        )
    if wanted.provider not in PROVIDER_NAMES:
        raise ValidationFailed(f"provider: one of {', '.join(PROVIDER_NAMES)}", field="provider")
    provider = provider_named(wanted.provider)
    if not wanted.client_id.strip() or len(wanted.client_id) > 255:
        raise ValidationFailed("client_id is required (at most 255 characters)", field="client_id")
    if wanted.client_secret is not None and not wanted.client_secret.strip():
        raise ValidationFailed("client_secret must not be empty", field="client_secret")
    name = (wanted.name or "").strip() or (
        None if provider.issuer_required else provider.display_name
    )
    if not name or len(name) > 200:
        raise ValidationFailed(
            f"name is required for the {provider.name} provider (at most 200 characters)",
            field="name",
        )
    return {
        "provider": provider.name,
        "client_id": wanted.client_id.strip(),
        "name": name,
        "issuer": _validated_issuer(rt, provider.name, provider.issuer_required, wanted.issuer),
        "microsoft_tenant": _validated_microsoft_tenant(provider.name, wanted.microsoft_tenant),
        "scopes": list(_validated_scopes(wanted.scopes) or provider.default_scopes),
        "enabled": wanted.enabled,
    }


def _validated_issuer(rt: Runtime, provider: str, required: bool, issuer: str | None) -> str | None:
    if not issuer:
        if required:
            raise ValidationFailed(
                f"issuer is required for the {provider} provider", field="issuer"
            )
        return None
    if provider == "github":
        raise ValidationFailed(
            "issuer: GitHub has no issuer (IDGATE_GITHUB_URL points it elsewhere)",
            field="issuer",
        )
    if not required and rt.settings.env == "production":
        raise ValidationFailed(
            f"issuer: the {provider} preset's issuer is fixed in production", field="issuer"
        )
    issuer = issuer.rstrip("/")
    try:
        check_destination(rt.settings, issuer)
    except ValidationFailed as exc:
        raise ValidationFailed(f"issuer: {exc.description}", field="issuer") from None
    return issuer


def _validated_microsoft_tenant(provider: str, value: str | None) -> str | None:
    if provider != "microsoft":
        if value:
            raise ValidationFailed(
                "microsoft_tenant applies only to the microsoft provider", field="microsoft_tenant"
            )
        return None
    value = value or "common"
    if not _MICROSOFT_TENANT.fullmatch(value):
        raise ValidationFailed(
            "microsoft_tenant: common, organizations, consumers or a tenant ID",
            field="microsoft_tenant",
        )
    return value


def _validated_scopes(scopes: tuple[str, ...]) -> tuple[str, ...]:
    for scope in scopes:
        if not _SCOPE.fullmatch(scope):
            raise ValidationFailed(f"scopes: '{scope[:50]}' is not a valid scope", field="scopes")
    return tuple(dict.fromkeys(scopes))


def delete_connection(rt: Runtime, conn: Connection, tenant_id: str, connection_id: str) -> None:
    """Delete the connection with the accounts linked through it and its flows in flight."""
    load_connection(conn, tenant_id, connection_id)
    for table in (upstream_identities, upstream_flows):
        conn.execute(
            delete(table).where(
                table.c.tenant_id == tenant_id, table.c.connection_id == connection_id
            )
        )
    conn.execute(
        delete(upstream_connections).where(
            upstream_connections.c.tenant_id == tenant_id,
            upstream_connections.c.id == connection_id,
        )
    )
    rt.cache.invalidate(("upstream_connections", tenant_id))
