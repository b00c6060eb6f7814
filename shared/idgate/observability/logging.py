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
from typing import Any, TextIO, cast

import structlog
from structlog.typing import EventDict, WrappedLogger

from idgate.request_context import current_request


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
_access_logger: Any = None


def configure_logging(level: str | None = None) -> None:
    """Render every structlog logger as JSON lines at ``level`` (default
    ``IDGATE_LOG_LEVEL``, else INFO). Safe to call again, e.g. with the settings' level."""
    global _configured, _access_logger
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
    # The request logger is on every request's path: built once, with only the processors
    # its line needs (the middleware passes the request id itself).
    _access_logger = structlog.wrap_logger(
        structlog.WriteLogger(cast(TextIO, _Stdout())),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
    ).bind()
    _configured = True


def ensure_logging() -> None:
    """Configure logging once per process (``create_app`` calls this)."""
    if not _configured:
        configure_logging()


def access_logger() -> Any:
    if _access_logger is None:
        configure_logging()
    return _access_logger
