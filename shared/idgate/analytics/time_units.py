"""The units analytics counts in: whole hours and days since the UNIX epoch, in UTC, as
integers (the rollup tables' ``hour`` and ``day`` columns), so SQLite and PostgreSQL group
and compare them alike."""

from __future__ import annotations

HOUR = 3600
DAY = 86_400


def hour_of(at: float) -> int:
    return int(at // HOUR)


def day_of(at: float) -> int:
    return int(at // DAY)
