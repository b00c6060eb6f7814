"""Per-process caches with a time-to-live per kind of entry, owned by ``Runtime``.

Lambda and uvicorn reuse a process for many requests, so tenants, clients and keys are
loaded once and kept for a short TTL; a change made by another process is seen within
that TTL, a change made by this one is seen at once (``invalidate``). The TTL depends on
what a stale entry would cost: a tenant's status or a client's secret and redirect URIs
are security settings and live a few seconds, public keys and discovery documents longer.

"Not found" is an answer worth caching too, for the kinds whose keys come from requests (an
issuer path's tenant slug, a JWT's ``kid``): otherwise each request naming something that
does not exist costs a database lookup, a cheap amplification. It is kept briefly, by its
own TTL per kind, in a bounded store (made-up names must not grow the process), and
``invalidate`` drops it like any entry, so a creation in this process is seen at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar, cast

from idgate.kernel.clock import Clock

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# How many "not found" answers a TtlCache keeps at most (a key of a few hundred bytes each).
NOT_FOUND_KEPT = 4096


class TtlCache:
    """Keys are tuples whose first item names the kind (``("client", tenant_id, id)``);
    each kind has its TTL, and an unlisted kind gets ``default_ttl``. A load that finds
    nothing (None) is cached only for the kinds in ``not_found_ttls``, for that TTL."""

    def __init__(
        self,
        ttls: Mapping[str, float],
        default_ttl: float,
        clock: Clock,
        not_found_ttls: Mapping[str, float] | None = None,
    ) -> None:
        self._ttls = dict(ttls)
        self._default_ttl = default_ttl
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._not_found_ttls = dict(not_found_ttls or {})
        self._not_found: BoundedMemo[Hashable, float] = BoundedMemo(NOT_FOUND_KEPT)

    def ttl_of(self, kind: str) -> float:
        return self._ttls.get(kind, self._default_ttl)

    def get_or_load(self, key: tuple[Hashable, ...], load: Callable[[], T]) -> T:
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]  # type: ignore[no-any-return]
        # Only a miss gets here, so the hit path above costs nothing more.
        if self._not_found.get(key, 0.0) > now:
            return cast(T, None)
        value = load()
        if value is not None:
            self._entries[key] = (now + self.ttl_of(str(key[0])), value)
        else:
            self._note_not_found(key, now)
        return value

    def _note_not_found(self, key: tuple[Hashable, ...], now: float) -> None:
        ttl = self._not_found_ttls.get(str(key[0]))
        if ttl:
            self._not_found.remember(key, now + ttl)

    def first_within_ttl(self, key: tuple[Hashable, ...]) -> bool:
        """True at most once per TTL of the key's kind: for rate-limiting a reload that a
        request can trigger (a key set reloaded for an unknown ``kid``). Its keys must name
        things that exist (a tenant's id), as they are kept like entries."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return False
        self._entries[key] = (now + self.ttl_of(str(key[0])), True)
        return True

    def invalidate(self, key: tuple[Hashable, ...]) -> None:
        self._entries.pop(key, None)
        self._not_found.forget(key)

    def clear(self) -> None:
        self._entries.clear()
        self._not_found.clear()


class BoundedMemo(dict[K, V]):
    """A dictionary that keeps at most ``capacity`` entries, the oldest going out first: for
    per-process memories that a lost entry only makes cheaper to rebuild (verified tokens,
    failure buckets); an entry that can go stale carries its own time to check.

    Safe to share between threads (PostgreSQL runs core calls in a thread pool): reads are
    plain ``dict.get`` calls, atomic and lock-free; only changes take a lock, since finding
    the oldest entry iterates the dictionary, which another thread's insert or removal would
    break ("dictionary changed size during iteration"), and two trims could pick the same
    entry. Change it through ``remember``, ``forget`` and ``clear`` only."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity
        self._lock = threading.Lock()

    def remember(self, key: K, value: V) -> V:
        with self._lock:
            if len(self) >= self.capacity and key not in self:
                del self[next(iter(self))]
            self[key] = value
        return value

    def forget(self, key: K) -> None:
        with self._lock:  # a removal during remember's iteration would break it too
            self.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            super().clear()
