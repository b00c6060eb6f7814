"""Events of a customer's life and of security: customers created and deleted, logouts,
lockouts and refresh-token reuse detections, one row each in ``analytics_events``.

Written in the transaction of what they record, through this one call that every context
may make (analytics sits below the data plane); the rollup job (``analytics.rollup``)
counts them per hour into ``event_hourly``. Sign-ins have their own table
(``analytics.sign_in_events``), token grants a per-process counter
(``analytics.grant_counts``)."""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import Connection, insert

from idgate.storage.tables import analytics_events

EventKind = Literal[
    "customer_created", "customer_deleted", "logout", "lockout", "refresh_token_reuse"
]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)

_INSERT = insert(analytics_events)


def record_event(
    conn: Connection,
    *,
    tenant_id: str,
    kind: EventKind,
    now: float,
    customer_id: str | None = None,
) -> None:
    conn.execute(
        _INSERT, {"tenant_id": tenant_id, "kind": kind, "at": now, "customer_id": customer_id}
    )
