"""Per-process token buckets of failures, by key (a tenant and a client network): a key may
fail ``limit`` times in a burst, and its bucket refills at ``limit`` failures per ``window``
seconds; with the bucket empty, it waits (HTTP 429, ``Retry-After``) until one has refilled.

For limits on a hot path, where a database write per request would cost more than the
request (the token endpoint, ``oauth.token_failure_limit``): a key is present only while
its bucket is not full, so for a client that has not failed lately the whole cost is one
``key in buckets`` dictionary lookup. Memory is bounded: at most ``capacity`` keys, the
oldest going first, so a flood of new addresses can evict a key (its count starts over)
but never grow the process. Each process counts alone: N processes allow up to N times
the limit, which still caps what one client can try per second.

Limits and window are passed on every call, not fixed at construction, so a setting read
at each request applies to every key at once.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

from idgate.kernel.caches import BoundedMemo

# (tokens left, when they were counted)
Bucket = tuple[float, float]


class FailureBuckets(BoundedMemo[Hashable, Bucket]):
    """``key in buckets`` is the cheap test; ``wait_for`` and ``spend`` only follow it, or
    a failure. Two threads spending on one key at once may count one failure (the read and
    the write are not one step): the limit is approximate by the number of worker threads,
    which is enough to keep guessing slow."""

    def wait_for(self, key: Hashable, *, limit: int, window: float, now: float) -> int:
        """Whole seconds until ``key`` may try again; 0: now (a bucket that has refilled
        completely is dropped, so the key is back to costing one lookup)."""
        bucket = self.get(key)
        if bucket is None or limit <= 0:
            return 0
        tokens = _level(bucket, limit, window, now)
        if tokens >= limit:
            self.forget(key)
            return 0
        if tokens >= 1:
            return 0
        return max(1, math.ceil((1 - tokens) * window / limit))

    def spend(self, key: Hashable, *, limit: int, window: float, now: float) -> None:
        """Count one failure of ``key``; nothing when ``limit`` is 0 (no limit)."""
        if limit <= 0:
            return
        bucket = self.get(key)
        tokens = limit if bucket is None else _level(bucket, limit, window, now)
        self.remember(key, (max(tokens - 1.0, 0.0), now))


def _level(bucket: Bucket, limit: int, window: float, now: float) -> float:
    """Tokens in ``bucket`` at ``now``: what was left, plus the refill since, up to full."""
    tokens, counted_at = bucket
    return min(float(limit), tokens + max(0.0, now - counted_at) * limit / window)
