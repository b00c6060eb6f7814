"""The per-process runtime: settings, database engine, key wrapper, clock and caches.

Built once per process (a Lambda container or a uvicorn worker) and handed to every core
operation, so nothing reads global state and tests build their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from idgate.clock import Clock, system_clock
from idgate.crypto.key_wrapping import KeyWrapper, create_key_wrapper
from idgate.settings import Settings
from idgate.storage.database import create_database_engine
from idgate.ttl_cache import TtlCache


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = system_clock
    cache: TtlCache = field(init=False)

    def __post_init__(self) -> None:
        self.cache = TtlCache(self.settings.cache_ttl_seconds, self.clock)

    @cached_property
    def engine(self) -> Engine:
        return create_database_engine(self.settings)

    @cached_property
    def key_wrapper(self) -> KeyWrapper:
        return create_key_wrapper(self.settings)

    @property
    def public_url(self) -> str:
        if not self.settings.public_url:
            raise RuntimeError("IDGATE_PUBLIC_URL is not set")
        return self.settings.public_url

    def now(self) -> float:
        return self.clock()


_current: Runtime | None = None


def current_runtime() -> Runtime:
    """The process-wide runtime, built from the environment on first use."""
    global _current
    if _current is None:
        _current = Runtime(Settings())
    return _current


def install_runtime(runtime: Runtime | None) -> None:
    global _current
    _current = runtime
