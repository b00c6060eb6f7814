"""The time buckets of an analytics answer: a range (``from``, ``to``: ISO dates or
date-times, by default the last 30 days), an interval (``hour``, ``day``, ``week`` from
Monday, ``month``) and a time zone (IANA, by default UTC) whose midnights the buckets
follow, daylight-saving changes included (such a day has 23 or 25 hours).

A date ``from`` is that day's midnight in the zone, a date ``to`` the end of that day (so
``from=2026-03-01&to=2026-03-31`` is all of March); a date-time without an offset is read in
the zone. The range is widened to whole buckets: it starts at the bucket holding ``from``.

The rollups count per UTC hour, and an hour is summed into the bucket its start falls in.
In a zone whose offset is a whole number of hours that is exact. In a zone with a
half- or quarter-hour offset (Asia/Kolkata, Australia/Adelaide, Asia/Kathmandu) a bucket's
edge falls inside an hour, and that hour counts wholly in the bucket where it started: a
day's bucket there runs from the first UTC hour starting at or after its local midnight.
Activity is counted per UTC day, so a day of active customers is a UTC day in any zone."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from idgate.analytics.time_units import HOUR
from idgate.kernel.errors import ValidationFailed

Interval = Literal["hour", "day", "week", "month"]
INTERVALS: tuple[Interval, ...] = get_args(Interval)
MAX_BUCKETS = 744  # 31 days of hours
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Buckets:
    interval: Interval
    zone: ZoneInfo
    edges: list[float]  # every bucket's start, then the end of the last one

    @property
    def start(self) -> float:
        return self.edges[0]

    @property
    def end(self) -> float:
        return self.edges[-1]

    def __len__(self) -> int:
        return len(self.edges) - 1

    def index_of(self, at: float) -> int | None:
        index = bisect_right(self.edges, at) - 1
        return index if 0 <= index < len(self) else None

    def hour_range(self) -> tuple[int, int]:
        """The UTC hours whose start lies in the range: first, and one past the last."""
        return math.ceil(self.start / HOUR), math.ceil(self.end / HOUR)

    def labels(self) -> list[str]:
        """Each bucket's start as an ISO 8601 date-time in the zone, with its offset."""
        return [datetime.fromtimestamp(t, self.zone).isoformat() for t in self.edges[:-1]]


def time_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"tz: unknown time zone {name!r}", field="tz") from None


def _midnight(day: date, zone: ZoneInfo) -> float:
    return datetime.combine(day, time(0), tzinfo=zone).timestamp()


def parse_moment(value: str, zone: ZoneInfo, *, field: str, end: bool = False) -> float:
    """A UNIX time from an ISO date (its midnight; with ``end``, the next midnight) or
    date-time (read in ``zone`` when it has no offset)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return _midnight(day + timedelta(days=1) if end else day, zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{field}: not an ISO 8601 date or date-time", field=field) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).timestamp()


def _floor(at: float, interval: Interval, zone: ZoneInfo) -> float:
    if interval == "hour":
        local = datetime.fromtimestamp(at, zone).replace(minute=0, second=0, microsecond=0)
        return local.timestamp()
    day = datetime.fromtimestamp(at, zone).date()
    if interval == "week":
        day -= timedelta(days=day.weekday())
    elif interval == "month":
        day = day.replace(day=1)
    return _midnight(day, zone)


def _next(start: float, interval: Interval, zone: ZoneInfo) -> float:
    if interval == "hour":
        return start + HOUR
    day = datetime.fromtimestamp(start, zone).date()
    if interval == "day":
        return _midnight(day + timedelta(days=1), zone)
    if interval == "week":
        return _midnight(day + timedelta(days=7), zone)
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return _midnight(following, zone)


def make_buckets(start: float, end: float, interval: Interval, zone: ZoneInfo) -> Buckets:
    edges = [_floor(start, interval, zone)]
    while edges[-1] < end:
        if len(edges) > MAX_BUCKETS:
            raise ValidationFailed(
                f"interval: at most {MAX_BUCKETS} buckets; choose a longer interval "
                "or a shorter range",
                field="interval",
            )
        edges.append(_next(edges[-1], interval, zone))
    return Buckets(interval, zone, edges)


@dataclass(frozen=True)
class RangeQuery:
    """A request's ``from``, ``to``, ``interval`` and ``tz``, as given (None: the default)."""

    start: str | None = None
    end: str | None = None
    interval: str | None = None
    tz: str | None = None

    def buckets(self, now: float) -> Buckets:
        return parse_buckets(
            start=self.start, end=self.end, interval=self.interval, tz=self.tz, now=now
        )


def parse_buckets(
    *, start: str | None, end: str | None, interval: str | None, tz: str | None, now: float
) -> Buckets:
    """The buckets of a request's ``from``, ``to``, ``interval`` and ``tz``."""
    zone = time_zone(tz)
    chosen = interval or "day"
    if chosen not in INTERVALS:
        raise ValidationFailed(f"interval: one of {', '.join(INTERVALS)}", field="interval")
    until = parse_moment(end, zone, field="to", end=True) if end else now
    if start:
        since = parse_moment(start, zone, field="from")
    else:
        today = datetime.fromtimestamp(until, zone).date()
        since = _midnight(today - timedelta(days=DEFAULT_DAYS - 1), zone)
    if since >= until:
        raise ValidationFailed("to: must be after from", field="to")
    return make_buckets(since, until, chosen, zone)  # type: ignore[arg-type]


def utc_iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()
