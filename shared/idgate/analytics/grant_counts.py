"""Token grants counted by tenant, hour, grant type and outcome (``issued`` or the OAuth
error code), per process, and added to ``token_grants_hourly`` at most every
``FLUSH_SECONDS``: the token endpoint's hot paths (client credentials, refresh) pay a
dictionary increment, not a database write.

A flush happens on the first grant at least ``FLUSH_SECONDS`` after the previous one (so
under Lambda, on the next invocation), from the platform server's background task and at
its shutdown (``local.server``). What a process counted since its last flush is lost if it
crashes (or a Lambda instance is retired without another invocation): at most 15 seconds of
grants per process. A flush that fails (the database away) keeps its counts for the next.
The upserts add, so processes never overwrite each other's counts."""

from __future__ import annotations

import threading
from collections import Counter

import structlog

from idgate.analytics.time_units import hour_of
from idgate.analytics.upserts import add_counts
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import token_grants_hourly
from idgate.storage.tenant_scope import ALL_TENANTS, scoped

FLUSH_SECONDS = 15.0

log = structlog.get_logger("idgate.analytics")

GrantKey = tuple[str, int, str, str]  # tenant id, hour, grant type, outcome


class GrantCounts:
    """This process's counts since its last flush."""

    def __init__(self, now: float) -> None:
        self.counts: Counter[GrantKey] = Counter()
        self.flushed_at = now
        self.lock = threading.Lock()

    def take(self, now: float) -> Counter[GrantKey]:
        with self.lock:
            taken, self.counts = self.counts, Counter()
            self.flushed_at = now
        return taken

    def put_back(self, counts: Counter[GrantKey]) -> None:
        with self.lock:
            self.counts.update(counts)


def grant_counts(rt: Runtime) -> GrantCounts:
    return rt.resource("analytics.grant_counts", lambda: GrantCounts(rt.now()))


def count_grant(rt: Runtime, *, tenant_id: str, grant_type: str, outcome: str) -> None:
    now = rt.now()
    counts = grant_counts(rt)
    key = (tenant_id, hour_of(now), grant_type[:80], outcome[:32])
    with counts.lock:
        counts.counts[key] += 1
        due = now - counts.flushed_at >= FLUSH_SECONDS
    if due:
        flush_grant_counts(rt)


def flush_grant_counts(rt: Runtime) -> int:
    """Add this process's counts to the table; the number of rows written."""
    counts = grant_counts(rt)
    taken = counts.take(rt.now())
    if not taken:
        return 0
    rows = [
        {"tenant_id": t, "hour": h, "grant_type": g, "outcome": o, "count": n}
        for (t, h, g, o), n in taken.items()
    ]
    try:
        # Rows of several tenants: platform-level work, whatever the request's own scope.
        with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
            add_counts(conn, token_grants_hourly, rows, counts=["count"])
    except Exception:
        counts.put_back(taken)
        log.exception("grant_counts_flush_failed", rows=len(rows))
        return 0
    return len(rows)
