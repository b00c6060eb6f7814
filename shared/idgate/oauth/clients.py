"""Applications (OAuth clients): registration and lookup (RFC 6749 §2, OIDC Registration §2).

The settings are checked by ``client_registration`` (redirect URIs, grants and what each
grant requires of a client, scopes, algorithms). Redirect URIs are matched exactly. Client
secrets are 256-bit server-generated values, or operator-supplied ones of at least 32
characters, stored only as an HMAC-SHA256 digest.

``Client`` is defined in ``client_model`` and the scopes in ``scopes``, below this module:
the grants take a Client and the settings rules read the grants, so neither can import
this module.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from idgate.crypto.digests import random_token, secret_digest
from idgate.kernel.errors import Conflict, NotFound, ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import client_secret_pepper
from idgate.keys.signing_keys import ID_TOKEN_DEFAULT_ALG
from idgate.oauth.client_model import Client
from idgate.oauth.client_registration import check_client_settings, grant_types_named
from idgate.oauth.scopes import DEFAULT_CLIENT_SCOPES
from idgate.storage import database
from idgate.storage.tables import clients
from idgate.tenancy.tenants import Tenant

MIN_SECRET_LENGTH = 32


def register_client(
    rt: Runtime,
    conn: Connection,
    *,
    tenant: Tenant,
    client_id: str,
    name: str | None,
    client_type: str,
    secret: str | None,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    grants: list[str],
    scopes: list[str] | None = None,
    id_token_alg: str = ID_TOKEN_DEFAULT_ALG,
    access_token_ttl: int = 300,
    refresh_token_ttl: int = 30 * 24 * 3600,
    audience: str | None = None,
) -> tuple[Client, str | None]:
    """Register a client; returns it and the plaintext secret when one was generated."""
    grant_types = grant_types_named(grants)
    digest, generated = _client_secret(rt, tenant.id, client_type, secret)
    client = Client(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        client_id=client_id,
        name=name or client_id,
        client_type=client_type,
        secret_digest=digest,
        redirect_uris=tuple(redirect_uris),
        post_logout_redirect_uris=tuple(post_logout_redirect_uris),
        grant_types=grant_types,
        scopes=tuple(scopes or DEFAULT_CLIENT_SCOPES),
        id_token_alg=id_token_alg,
        access_token_ttl=access_token_ttl,
        refresh_token_ttl=refresh_token_ttl,
        audience=audience,
    )
    check_client_settings(client)
    _insert_client(rt, conn, tenant, client)
    return client, generated


def _client_secret(
    rt: Runtime, tenant_id: str, client_type: str, secret: str | None
) -> tuple[str | None, str | None]:
    """Only confidential clients have a secret (RFC 6749 §2.1); one is generated when none
    is supplied. Returns the digest to store and the generated plaintext, if any."""
    generated = None
    if client_type != "confidential":
        if secret is not None:
            raise ValidationFailed("public clients have no secret", field="client_secret")
    elif secret is None:
        secret = generated = random_token(32)
    elif len(secret) < MIN_SECRET_LENGTH:
        raise ValidationFailed(
            f"client secret must be at least {MIN_SECRET_LENGTH} characters", field="client_secret"
        )
    digest = secret_digest(secret, client_secret_pepper(rt, tenant_id)) if secret else None
    return digest, generated


def _insert_client(rt: Runtime, conn: Connection, tenant: Tenant, client: Client) -> None:
    try:
        with conn.begin_nested():
            conn.execute(insert(clients).values(**_row_values(client), created_at=rt.now()))
    except IntegrityError as exc:
        raise Conflict(
            f"client '{client.client_id}' already exists in tenant '{tenant.slug}'"
        ) from exc


def _row_values(client: Client) -> dict[str, object]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in client.__dict__.items()}


def _client_from_row(row: object) -> Client:
    m = dict(row._mapping)  # type: ignore[attr-defined]
    m.pop("created_at")
    for key in ("redirect_uris", "post_logout_redirect_uris", "grant_types", "scopes"):
        m[key] = tuple(m[key])
    return Client(**m)


def list_clients(conn: Connection, tenant_id: str) -> list[Client]:
    query = select(clients).where(clients.c.tenant_id == tenant_id).order_by(clients.c.client_id)
    return [_client_from_row(row) for row in conn.execute(query)]


def load_client(conn: Connection, tenant_id: str, client_id: str) -> Client:
    row = conn.execute(
        select(clients).where(clients.c.tenant_id == tenant_id, clients.c.client_id == client_id)
    ).first()
    if row is None:
        raise NotFound(f"no application '{client_id}'")
    return _client_from_row(row)


def update_client(
    rt: Runtime,
    conn: Connection,
    tenant_id: str,
    client_id: str,
    *,
    grants: list[str] | None = None,
    **changes: object,
) -> Client:
    """Change a client's settings (validated like a new one); the id and type stay."""
    current = load_client(conn, tenant_id, client_id)
    updates = {
        k: tuple(v) if isinstance(v, list) else v for k, v in changes.items() if v is not None
    }
    if grants is not None:
        updates["grant_types"] = grant_types_named(grants)
    client = replace(current, **updates)  # type: ignore[arg-type]
    check_client_settings(client)
    values = _row_values(client)
    conn.execute(
        update(clients).where(clients.c.id == client.id).values(**{k: values[k] for k in updates})
    )
    rt.cache.invalidate(("client", tenant_id, client_id))
    return client


def rotate_client_secret(rt: Runtime, conn: Connection, tenant_id: str, client_id: str) -> str:
    client = load_client(conn, tenant_id, client_id)
    if not client.is_confidential:
        raise ValidationFailed("public clients have no secret", field="client_secret")
    secret = random_token(32)
    digest = secret_digest(secret, client_secret_pepper(rt, tenant_id))
    conn.execute(update(clients).where(clients.c.id == client.id).values(secret_digest=digest))
    rt.cache.invalidate(("client", tenant_id, client_id))
    return secret


def delete_client(rt: Runtime, conn: Connection, tenant_id: str, client_id: str) -> None:
    client = load_client(conn, tenant_id, client_id)
    conn.execute(delete(clients).where(clients.c.id == client.id))
    rt.cache.invalidate(("client", tenant_id, client_id))


def find_client(rt: Runtime, tenant_id: str, client_id: str) -> Client | None:
    def load() -> Client | None:
        query = select(clients).where(
            clients.c.tenant_id == tenant_id, clients.c.client_id == client_id
        )
        with database.read(rt.engine) as conn:
            row = conn.execute(query).first()
        return _client_from_row(row) if row else None

    return rt.cache.get_or_load(("client", tenant_id, client_id), load)
