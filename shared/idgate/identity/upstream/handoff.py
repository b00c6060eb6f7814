"""The upstream token handoff: a customer's access token at a linked upstream, for the
organization's application to call the upstream's API on the customer's behalf.

A token that expires within a minute is refreshed first with the stored refresh token
(RFC 6749 §6), one refresh at a time per linked account across processes: the refresher
holds a lease (one conditional UPDATE), the others wait for its result. The upstream
refresh token itself is never handed over. Each handoff is audited."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update

from idgate.audit.hash_chain import record
from idgate.identity.upstream.connection_model import UpstreamConnection
from idgate.identity.upstream.connections import connection_secret, load_connection
from idgate.identity.upstream.linking import store_tokens, token_purpose
from idgate.identity.upstream.providers import provider_named
from idgate.identity.upstream.providers.model import UpstreamTokens
from idgate.identity.upstream.token_requests import UpstreamGrantRefused, token_request
from idgate.kernel.errors import NotFound, NotLinked
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import open_for_tenant
from idgate.storage import database
from idgate.storage.tables import upstream_identities

REFRESH_MARGIN = 60
LEASE_SECONDS = 15
WAIT_STEP = 0.1


@dataclass(frozen=True)
class HandedOver:
    connection: str
    provider: str
    access_token: str
    expires_at: int | None
    scope: str | None


def hand_over(
    rt: Runtime, *, tenant_id: str, customer_id: str, connection_id: str, client_id: str
) -> HandedOver:
    with database.read(rt.engine) as conn:
        try:
            connection = load_connection(conn, tenant_id, connection_id)
        except NotFound:
            raise NotLinked(f"no connection '{connection_id}'") from None
    row = _fresh_row(rt, connection, customer_id)
    with database.write(rt.engine) as conn:
        record(
            conn,
            tenant_id=tenant_id,
            actor=f"client:{client_id}",
            action="upstream_token.handed_over",
            target=customer_id,
            details={"connection_id": connection_id},
            now=rt.now(),
        )
    access = open_for_tenant(rt, tenant_id, row["access_token"], token_purpose(row["id"], "access"))
    expires_at = row["token_expires_at"]
    return HandedOver(
        connection=connection.id,
        provider=connection.provider,
        access_token=access.decode(),
        expires_at=int(expires_at) if expires_at is not None else None,
        scope=row["token_scope"],
    )


def _row(rt: Runtime, tenant_id: str, customer_id: str, connection_id: str) -> dict[str, Any]:
    with database.read(rt.engine) as conn:
        row = conn.execute(
            select(upstream_identities).where(
                upstream_identities.c.tenant_id == tenant_id,
                upstream_identities.c.customer_id == customer_id,
                upstream_identities.c.connection_id == connection_id,
            )
        ).first()
    if row is None or row.access_token is None:
        raise NotLinked("the customer has no account linked through this connection")
    return dict(row._mapping)


def _due(rt: Runtime, row: dict[str, Any]) -> bool:
    expires_at = row["token_expires_at"]
    return (
        row["refresh_token"] is not None
        and expires_at is not None
        and expires_at - rt.now() < REFRESH_MARGIN
    )


def _fresh_row(rt: Runtime, connection: UpstreamConnection, customer_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + LEASE_SECONDS
    waited_on: bytes | None = None  # the access token another caller is refreshing
    while True:
        row = _row(rt, connection.tenant_id, customer_id, connection.id)
        if not _due(rt, row):
            return row
        if waited_on is not None and row["access_token"] != waited_on:
            # Refreshed by the caller we waited for: take its result. Refreshing again
            # (a token living under the margin is due at once) would revoke the token just
            # handed to that caller, at upstreams that rotate (GitHub).
            return row
        if _take_lease(rt, connection.tenant_id, row):
            _refresh(rt, connection, row)
            return _row(rt, connection.tenant_id, customer_id, connection.id)
        if time.monotonic() > deadline:
            return row  # the refresher vanished; its lease lapses for the next caller
        waited_on = row["access_token"]
        time.sleep(WAIT_STEP)


def _take_lease(rt: Runtime, tenant_id: str, row: dict[str, Any]) -> bool:
    """Only while the row still holds the token ``row`` was read with: a caller that read
    it just before another's refresh finished must not refresh with the spent refresh
    token (rotating upstreams refuse it, and revoke what it was issued with)."""
    now = rt.now()
    with database.write(rt.engine) as conn:
        taken = conn.execute(
            update(upstream_identities)
            .where(
                upstream_identities.c.tenant_id == tenant_id,
                upstream_identities.c.id == row["id"],
                upstream_identities.c.access_token == row["access_token"],
                or_(
                    upstream_identities.c.refresh_lease_until.is_(None),
                    upstream_identities.c.refresh_lease_until < now,
                ),
            )
            .values(refresh_lease_until=now + LEASE_SECONDS)
        )
    return taken.rowcount == 1


def _refresh(rt: Runtime, connection: UpstreamConnection, row: dict[str, Any]) -> None:
    tenant_id, identity_id = connection.tenant_id, row["id"]
    refresh_token = open_for_tenant(
        rt, tenant_id, row["refresh_token"], token_purpose(identity_id, "refresh")
    ).decode()
    provider = provider_named(connection.provider)
    try:
        tokens: UpstreamTokens = token_request(
            rt,
            provider.endpoints(rt, connection),
            client_id=connection.client_id,
            client_secret=connection_secret(rt, connection),
            form={"grant_type": "refresh_token", "refresh_token": refresh_token},
            what=connection.name,
        )
    except Exception as failure:
        with database.write(rt.engine) as conn:
            conn.execute(
                update(upstream_identities)
                .where(upstream_identities.c.id == identity_id)
                .values(refresh_lease_until=None)
            )
        if isinstance(failure, UpstreamGrantRefused):
            raise UpstreamGrantRefused(
                f"{connection.name} refused to renew the customer's access: "
                f"they must sign in with {connection.name} again."
            ) from None
        raise
    with database.write(rt.engine) as conn:
        store_tokens(rt, conn, tenant_id, identity_id, None, tokens, rt.now())
