"""A per-process cache with a time-to-live.

Lambda and uvicorn reuse a process for many requests, so tenants, clients and keys are
loaded once and kept for a short TTL; a change made by another process is seen within
that TTL, a change made by this one is seen at once (``invalidate``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from idgate.clock import Clock

T = TypeVar("T")


class TtlCache:
    def __init__(self, ttl_seconds: float, clock: Clock) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get_or_load(self, key: Hashable, load: Callable[[], T]) -> T:
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]  # type: ignore[no-any-return]
        value = load()
        if value is not None:
            self._entries[key] = (now + self._ttl, value)
        return value

    def invalidate(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
