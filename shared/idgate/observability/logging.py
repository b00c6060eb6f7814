"""Structured JSON logs: one JSON object per line on standard output (CloudWatch under
Lambda, the terminal or a collector in container mode).

Every line written while a request is served carries its ``request_id`` (from
``request_context``, set by ``observability.middleware``). The request log line carries
only the method, the route *template*, the tenant, the status and the duration: never a
query string, a form body, an ``Authorization`` header or a cookie, so codes, tokens and
secrets cannot reach the logs.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TextIO, cast

import orjson
import structlog
from structlog.typing import EventDict, WrappedLogger

from idgate.kernel.request_context import current_request


class _Stdout:
    """Writes to whatever ``sys.stdout`` is at the time (pytest's capture swaps it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _add_request_id(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    request_id = current_request.get().request_id
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


_configured = False
_request_lines = True


def configure_logging(level: str | None = None) -> None:
    """Render every structlog logger as JSON lines at ``level`` (default
    ``IDGATE_LOG_LEVEL``, else INFO). Safe to call again, e.g. with the settings' level."""
    global _configured, _request_lines
    name = (level or os.environ.get("IDGATE_LOG_LEVEL") or "INFO").upper()
    numeric = logging.getLevelNamesMapping().get(name, logging.INFO)
    structlog.configure(
        processors=[
            _add_request_id,
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.WriteLoggerFactory(file=cast(TextIO, _Stdout())),
        cache_logger_on_first_use=False,
    )
    _request_lines = numeric <= logging.INFO
    _configured = True


def ensure_logging() -> None:
    """Configure logging once per process (``create_app`` calls this)."""
    if not _configured:
        configure_logging()


_second: tuple[int, str] = (0, "")


def _timestamp(now: float) -> str:
    """``now`` as structlog's ISO UTC timestamp, the date part formatted once per second."""
    global _second
    whole = int(now)
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{int((now - whole) * 1e6):06d}Z"


def log_request(
    *,
    request_id: str,
    method: str,
    route: str,
    tenant: str | None,
    status: int,
    duration_ms: float,
) -> None:
    """The request log line, at INFO, with the fields and format of every other line. Built
    here rather than through structlog's processor chain: that chain cost 6 us, a sixth of a
    whole JWKS request."""
    if not _configured:
        configure_logging()
    if not _request_lines:
        return
    line = {
        "request_id": request_id,
        "method": method,
        "route": route,
        "tenant": tenant,
        "status": status,
        "duration_ms": duration_ms,
        "event": "request",
        "level": "info",
        "timestamp": _timestamp(time.time()),
    }
    out = sys.stdout
    out.write(orjson.dumps(line).decode() + "\n")
    out.flush()
