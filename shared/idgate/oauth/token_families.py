"""Token families: everything issued from one authorization (a code, a device approval).

A family is created when the authorization is granted, before any token exists, so that a
replayed code or a reused refresh token can revoke it (RFC 6749 §4.1.2, RFC 9700 §4.14.2)
even while the first redemption is still in flight. Refresh tokens and access tokens carry
their family id; a revoked family makes all of them inactive at once (the revocation itself
sits lower, in ``identity.token_family_revocation``, because ending a session revokes too).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, Engine, insert

from idgate.analytics.events import record_event
from idgate.audit.hash_chain import record
from idgate.identity.token_family_revocation import revoke_family
from idgate.kernel.errors import InvalidGrant
from idgate.storage import database
from idgate.storage.tables import token_families


class ReuseDetected(Exception):
    """A single-use artifact of ``family_id`` was presented again. Raised inside the
    redeeming transaction (which rolls back); ``revoke_reused_family`` then revokes the
    family in a transaction of its own, so the revocation survives the failed request.
    ``artifact``: what was presented again (``authorization_code`` or ``refresh_token``)."""

    def __init__(
        self, family_id: str, description: str, artifact: str = "authorization_code"
    ) -> None:
        super().__init__(description)
        self.family_id = family_id
        self.description = description
        self.artifact = artifact


def revoke_reused_family(
    engine: Engine, *, tenant_id: str, reuse: ReuseDetected, now: float
) -> InvalidGrant:
    with database.write(engine) as conn:
        revoke_family(conn, tenant_id=tenant_id, family_id=reuse.family_id, now=now)
        record(
            conn,
            tenant_id=tenant_id,
            actor="system",
            action="token.reuse_detected",
            target=reuse.family_id,
            details={"reason": reuse.description},
            now=now,
        )
        if reuse.artifact == "refresh_token":
            record_event(conn, tenant_id=tenant_id, kind="refresh_token_reuse", now=now)
    return InvalidGrant(reuse.description)


def create_family(
    conn: Connection,
    *,
    tenant_id: str,
    client_id: str,
    customer_id: str | None,
    session_id: str | None,
    scope: str,
    auth_time: float | None,
    now: float,
) -> str:
    family_id = str(uuid.uuid4())
    conn.execute(
        insert(token_families).values(
            id=family_id,
            tenant_id=tenant_id,
            client_id=client_id,
            customer_id=customer_id,
            session_id=session_id,
            scope=scope,
            auth_time=auth_time,
            created_at=now,
        )
    )
    return family_id
