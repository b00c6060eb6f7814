"""Who is asking, for the current request: its id and client IP, set once by the HTTP edge
(``observability`` middleware) and read by the audit log, so core functions need not pass
them along. Outside a request (CLI, jobs) both are None."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    ip: str | None = None


# The default is a frozen dataclass, so sharing it is safe.
current_request: ContextVar[RequestContext] = ContextVar(
    "idgate_request",
    default=RequestContext(),  # noqa: B039
)
