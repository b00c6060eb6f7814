"""The composition root: builds this process's ``Runtime`` and keeps the one the HTTP edges
and the command line serve with.

The kernel may not import storage, so the runtime is assembled here, above both. Core
operations never call ``current_runtime``: they receive the runtime as an argument.
"""

from __future__ import annotations

from idgate.kernel.clock import Clock, system_clock
from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from idgate.storage.database import create_database_engine

_current: Runtime | None = None


def build_runtime(settings: Settings | None = None, clock: Clock = system_clock) -> Runtime:
    return Runtime(settings or Settings(), create_database_engine, clock)


def current_runtime() -> Runtime:
    """The process-wide runtime, built from the environment on first use."""
    global _current
    if _current is None:
        _current = build_runtime()
    return _current


def install_runtime(runtime: Runtime | None) -> None:
    global _current
    _current = runtime
