"""How long raw analytics rows are kept, as the purge's rules (``oauth.retention`` runs
them): sign-in events and other events ``IDGATE_ANALYTICS_RETENTION_DAYS`` after they
happened, and only once rolled up (their id at most the source's watermark), so a rollup
job that has not run for that long loses nothing; days of activity as long, and at least
``ACTIVE_DAYS_KEPT`` (MAU counts the 30 days ending on a day, month-to-date up to 31).
The rollups are kept forever."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_, func, select

from idgate.analytics.time_units import DAY, day_of
from idgate.kernel.settings import Settings
from idgate.storage.tables import (
    analytics_events,
    analytics_watermarks,
    customer_active_days,
    sign_in_events,
)

ACTIVE_DAYS_KEPT = 35


def _rolled_up(table: Table) -> ColumnElement[bool]:
    watermark = (
        select(func.coalesce(func.max(analytics_watermarks.c.position), 0))
        .where(analytics_watermarks.c.source == table.name)
        .scalar_subquery()
    )
    return table.c.id <= watermark


def analytics_expiry(settings: Settings, now: float) -> list[tuple[Table, ColumnElement[bool]]]:
    cutoff = now - settings.analytics_retention_days * DAY
    days_kept = max(settings.analytics_retention_days, ACTIVE_DAYS_KEPT)
    return [
        (table, and_(table.c.at < cutoff, _rolled_up(table)))
        for table in (sign_in_events, analytics_events)
    ] + [(customer_active_days, customer_active_days.c.day < day_of(now) - days_kept)]
