"""Sign-ins in flight at an upstream (RFC 6749 §10.12, RFC 9700 §4.7): each has a ``state``
(stored as a digest, single use, ten minutes), is bound to the browser that started it
(a random cookie value whose digest it keeps) and to the pending sign-in or the signed-in
customer it serves, and keeps its PKCE verifier sealed. Starting another flow for the same
pending sign-in or customer replaces the earlier one, so anonymous traffic cannot pile
flows up beyond the pending sign-ins themselves."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, and_, delete, insert, select

from idgate.crypto.digests import token_digest
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import open_for_tenant, seal_for_tenant
from idgate.storage.tables import upstream_flows

FLOW_LIFETIME = 600
FLOW_PURPOSE = "upstream-flow"


@dataclass(frozen=True)
class Flow:
    connection_id: str
    purpose: str  # sign_in | link
    interaction_id: str | None
    customer_id: str | None
    verifier: str
    nonce: str
    expires_at: float


def save_flow(
    rt: Runtime, conn: Connection, *, tenant_id: str, state: str, browser: str, flow: Flow
) -> None:
    interaction_digest = token_digest(flow.interaction_id) if flow.interaction_id else None
    same_owner = (
        upstream_flows.c.interaction_digest == interaction_digest
        if interaction_digest
        else and_(
            upstream_flows.c.customer_id == flow.customer_id, upstream_flows.c.purpose == "link"
        )
    )
    conn.execute(
        delete(upstream_flows).where(
            upstream_flows.c.tenant_id == tenant_id,
            upstream_flows.c.stage == "started",
            same_owner,
        )
    )
    secrets = {"interaction": flow.interaction_id, "verifier": flow.verifier}
    conn.execute(
        insert(upstream_flows).values(
            state_digest=token_digest(state),
            tenant_id=tenant_id,
            connection_id=flow.connection_id,
            purpose=flow.purpose,
            stage="started",
            interaction_digest=interaction_digest,
            sealed=seal_for_tenant(rt, tenant_id, orjson.dumps(secrets), FLOW_PURPOSE),
            customer_id=flow.customer_id,
            browser_digest=token_digest(browser),
            nonce=flow.nonce,
            expires_at=flow.expires_at,
        )
    )


def take_flow(
    rt: Runtime,
    conn: Connection,
    *,
    tenant_id: str,
    connection_id: str,
    state: str,
    browser: str | None,
) -> Flow | None:
    """The flow ``state`` names, consumed: None when unknown, used, expired, for another
    connection or started in another browser."""
    where = and_(
        upstream_flows.c.tenant_id == tenant_id,
        upstream_flows.c.state_digest == token_digest(state),
        upstream_flows.c.stage == "started",
    )
    row = conn.execute(select(upstream_flows).where(where)).first()
    if row is None or conn.execute(delete(upstream_flows).where(where)).rowcount != 1:
        return None  # unknown, or a concurrent callback with the same state won
    m = row._mapping
    same_browser = hmac.compare_digest(m["browser_digest"], token_digest(browser or ""))
    if not same_browser or m["connection_id"] != connection_id or m["expires_at"] <= rt.now():
        return None
    secrets = orjson.loads(open_for_tenant(rt, tenant_id, m["sealed"], FLOW_PURPOSE))
    return Flow(
        connection_id=m["connection_id"],
        purpose=m["purpose"],
        interaction_id=secrets["interaction"],
        customer_id=m["customer_id"],
        verifier=secrets["verifier"],
        nonce=m["nonce"],
        expires_at=m["expires_at"],
    )
