"""Failures counted in the database per (tenant, key) in fixed windows, for the attempt limits
that must hold across processes and Lambda instances, where a per-process count would let
each new instance start from zero: failed device user-code entries (``user_code_failures``,
RFC 8628 §5.1, ``oauth.device_verification``) and failed sign-ins per client network
(``rate_limit_counters``, ``identity.sign_in_limits``). Both tables have the same columns:
``tenant_id``, ``key``, ``failures`` and ``window_started_at``.

A key's window opens with its first failure and lasts ``window`` seconds; a failure after it
opens the next one. Only failures are written: checking a limit is one indexed read, so the
requests that succeed cost no write. Rows of finished windows are deleted by the purge
(``oauth.retention``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

KEY_LENGTH = 100  # the tables' ``key`` column


def seconds_blocked(
    conn: Connection,
    table: Table,
    tenant_id: str,
    limits: Mapping[str, int],
    *,
    window: float,
    now: float,
) -> int:
    """Whole seconds until the window of every key of ``limits`` that has reached its limit
    (failures in the current window) is over; 0 when none has."""
    if not limits:
        return 0
    rows = conn.execute(
        select(table.c.key, table.c.failures, table.c.window_started_at).where(
            table.c.tenant_id == tenant_id,
            table.c.key.in_(list(limits)),
            table.c.window_started_at > now - window,
        )
    ).all()
    ends = [r.window_started_at + window for r in rows if r.failures >= limits[r.key]]
    return max(1, math.ceil(max(ends) - now)) if ends else 0


def count_failure(
    conn: Connection, table: Table, tenant_id: str, key: str, *, window: float, now: float
) -> None:
    """One more failure in the key's current window, or the first of a new window."""
    row = (table.c.tenant_id == tenant_id) & (table.c.key == key)
    count_in_window = (
        update(table)
        .where(row, table.c.window_started_at > now - window)
        .values(failures=table.c.failures + 1)
    )
    if conn.execute(count_in_window).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(delete(table).where(row))
            conn.execute(
                insert(table).values(
                    tenant_id=tenant_id, key=key, failures=1, window_started_at=now
                )
            )
    except IntegrityError:
        # A concurrent first failure opened the window meanwhile: this one counts in it.
        conn.execute(count_in_window)


def counter_key(kind: str, value: str) -> str:
    """``kind:value``, cut to the tables' key length (an address is far shorter)."""
    return f"{kind}:{value}"[:KEY_LENGTH]
