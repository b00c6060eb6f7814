"""Sign-in events: every sign-in attempt, with its outcome (``success`` or ``failure`` and
why), method (``password``, ``upstream:<connection id>``), client and customer when known.

Written in the transaction of the sign-in itself, so counts and sign-ins cannot disagree.
An insert of its own row, never a link of the audit hash chain: a credential-stuffing burst
of failures must not serialize an organization's sign-ins on the chain head (the chain keeps
the security decisions: lockouts, successful sign-ins, admin changes)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Connection, insert

from idgate.storage.tables import sign_in_events

Outcome = Literal["success", "failure"]
FailureReason = Literal["bad_credentials", "locked", "disabled", "upstream_error"]


def record_sign_in(
    conn: Connection,
    *,
    tenant_id: str,
    outcome: Outcome,
    method: str,
    now: float,
    reason: FailureReason | None = None,
    client_id: str | None = None,
    customer_id: str | None = None,
) -> None:
    conn.execute(
        insert(sign_in_events).values(
            tenant_id=tenant_id,
            at=now,
            outcome=outcome,
            reason=reason,
            method=method[:80],
            client_id=client_id,
            customer_id=customer_id,
        )
    )
