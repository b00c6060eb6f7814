"""Calling the (synchronous) core from an ``async`` route.

On SQLite a core call is microseconds of local file work, and writes serialize anyway, so
it runs inline: a thread-pool hop would cost more than it saves. On PostgreSQL each call
waits on network round trips, so it runs in a thread and requests overlap instead of
queueing behind one another's database waits. At most as many calls run in threads at
once as the pool has connections: a thread beyond that would only wait for a connection,
and 40 such threads (anyio's default) contending for the GIL cost more CPU than they
overlap. Either way the request's context (tenant scope, request id) goes along.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CapacityLimiter

from idgate.runtime import Runtime

P = ParamSpec("P")
T = TypeVar("T")

# A limiter belongs to one event loop (tests and Mangum run several in one process).
_LIMITERS: WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = WeakKeyDictionary()


def _limiter(rt: Runtime) -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        settings = rt.settings
        limiter = CapacityLimiter(max(1, settings.db_pool_size + settings.db_max_overflow))
        _LIMITERS[loop] = limiter
    return limiter


async def call_core(rt: Runtime, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    if rt.engine.dialect.name == "sqlite":
        return fn(*args, **kwargs)
    call = functools.partial(fn, *args, **kwargs)
    return await anyio.to_thread.run_sync(call, limiter=_limiter(rt))
