"""Maintenance function: the data-lifecycle purge (``idgate.oauth.retention``) on an
EventBridge schedule (template.yaml), so expired interactions, codes, sessions, token
families, revocations, failure counters and old outbox mail never pile up under Lambda,
where no server process runs the purge in the background."""

from __future__ import annotations

from typing import Any

import structlog

from idgate.oauth.retention import purge_expired
from idgate.observability.logging import ensure_logging
from idgate.process import current_runtime

ensure_logging()
log = structlog.get_logger("idgate.retention")


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    """One purge per scheduled event; the counts per table are logged and returned."""
    counts = purge_expired(current_runtime())
    log.info("purged", trigger=event.get("detail-type", "direct"), **counts)
    return counts
