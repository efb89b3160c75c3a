"""The span a KPI page covers and the buckets it is cut into, on the city hall's
clock: a day is a local day (Europe/Paris by default), a week an ISO week (Monday
first), a month a calendar month.

The store keeps UTC. The queries group rows by a key that names one local day
(:func:`guichet.kpis.sql.day_key`: the local date on PostgreSQL; the UTC date, or
the UTC hour near midnight, on SQLite), and the days are cut into weeks and months
here, in Python. Every offset a French city hall's clock takes (metropolitan and
overseas) is a whole number of hours, so each UTC hour lies in exactly one local
day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["Grain", "Period", "bucket_of_day", "default_period"]


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def bucket_of_day(day: date, grain: Grain) -> str:
    """The bucket's label: ``2026-11-29``, ``2026-W48``, ``2026-11``."""
    match grain:
        case Grain.DAY:
            return day.isoformat()
        case Grain.WEEK:
            year, week, _ = day.isocalendar()
            return f"{year}-W{week:02d}"
        case Grain.MONTH:
            return f"{day.year}-{day.month:02d}"


@lru_cache(maxsize=65536)
def _local_day(hour: str, zone: str) -> date:
    at = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)
    return at.astimezone(ZoneInfo(zone)).date()


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both local days included, cut by ``grain``."""

    start: date
    end: date
    grain: Grain
    zone: str = "Europe/Paris"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def lo(self) -> datetime:
        """The first instant, in UTC (local midnight of ``start``)."""
        return datetime.combine(self.start, time(), self.tz).astimezone(UTC)

    @property
    def hi(self) -> datetime:
        """The first instant after, in UTC (local midnight after ``end``)."""
        return datetime.combine(self.end + timedelta(days=1), time(), self.tz).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bucket(self, key: str) -> str:
        """The bucket of a key as the queries give it (:func:`guichet.kpis.sql.day_key`):
        a local date ``2026-11-29``, or a UTC hour ``2026-11-29 23``."""
        return bucket_of_day(self.day_of(key), self.grain)

    def day_of(self, key: str) -> date:
        if len(key) == 10:
            return date.fromisoformat(key)
        return _local_day(key, self.zone)

    def edge_hours(self) -> frozenset[int]:
        """The UTC hours whose local date differs from the UTC date, for any offset
        the zone takes in the period (whole hours: a French city hall's zones)."""
        hours: set[int] = set()
        day = self.start - timedelta(days=1)
        while day <= self.end + timedelta(days=1):
            offset = datetime.combine(day, time(12), self.tz).utcoffset() or timedelta()
            shift = round(offset.total_seconds() / 3600)
            if shift > 0:
                hours.update(range(24 - shift, 24))
            elif shift < 0:
                hours.update(range(0, -shift))
            day += timedelta(days=1)
        return frozenset(hours)

    def buckets(self) -> list[str]:
        """Every bucket of the period, in order, empty ones included (a chart shows a
        day without calls as a zero, not as a gap)."""
        seen: dict[str, None] = {}
        day = self.start
        while day <= self.end:
            seen.setdefault(bucket_of_day(day, self.grain), None)
            day += timedelta(days=1)
        return list(seen)


def default_period(grain: Grain, today: date, zone: str) -> Period:
    """What the page shows when asked nothing: the last 30 days by day, the last 12
    weeks by week, the last 12 months by month, up to today."""
    match grain:
        case Grain.DAY:
            start = today - timedelta(days=29)
        case Grain.WEEK:
            start = today - timedelta(days=today.weekday() + 7 * 11)
        case Grain.MONTH:
            month = today.month - 11
            year = today.year
            if month < 1:
                month += 12
                year -= 1
            start = date(year, month, 1)
    return Period(start, today, grain, zone)
