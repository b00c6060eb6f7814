"""Per-process caches with a time-to-live per kind of entry, owned by ``Runtime``.

Lambda and uvicorn reuse a process for many requests, so tenants, clients and keys are
loaded once and kept for a short TTL; a change made by another process is seen within
that TTL, a change made by this one is seen at once (``invalidate``). The TTL depends on
what a stale entry would cost: a tenant's status or a client's secret and redirect URIs
are security settings and live a few seconds, public keys and discovery documents longer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from idgate.kernel.clock import Clock

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache:
    """Keys are tuples whose first item names the kind (``("client", tenant_id, id)``);
    each kind has its TTL, and an unlisted kind gets ``default_ttl``."""

    def __init__(self, ttls: Mapping[str, float], default_ttl: float, clock: Clock) -> None:
        self._ttls = dict(ttls)
        self._default_ttl = default_ttl
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def ttl_of(self, kind: str) -> float:
        return self._ttls.get(kind, self._default_ttl)

    def get_or_load(self, key: tuple[Hashable, ...], load: Callable[[], T]) -> T:
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]  # type: ignore[no-any-return]
        value = load()
        if value is not None:
            self._entries[key] = (now + self.ttl_of(str(key[0])), value)
        return value

    def invalidate(self, key: tuple[Hashable, ...]) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


class BoundedMemo(dict[K, V]):
    """A dictionary that keeps at most ``capacity`` entries, the oldest going out first: for
    values that cannot go stale (they are derived from their key alone)."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def remember(self, key: K, value: V) -> V:
        if len(self) >= self.capacity and key not in self:
            self.pop(next(iter(self)))
        self[key] = value
        return value
