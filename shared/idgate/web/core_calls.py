"""Calling the (synchronous) core from an ``async`` route.

On SQLite a core call is microseconds of local file work, and writes serialize anyway, so
it runs inline: a thread-pool hop would cost more than it saves. On PostgreSQL each call
waits on network round trips, so it runs in a worker thread and requests overlap instead
of queueing behind one another's database waits (``idgate serve`` sizes the threads to the
connection pool, see ``local.server``). Either way the request's context (tenant scope,
request id) goes along.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from idgate.kernel.runtime import Runtime

P = ParamSpec("P")
T = TypeVar("T")


async def call_core(rt: Runtime, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    if rt.engine.dialect.name == "sqlite":
        return fn(*args, **kwargs)
    return await run_in_threadpool(fn, *args, **kwargs)
