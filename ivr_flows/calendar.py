"""When the city hall is open: weekly hours, French public holidays, exceptional
closures and openings. Pure functions of the flow and an aware ``datetime``.

Precedence for a given local date, most specific first: an exceptional opening
(its hours replace the usual ones), an exceptional closure, a public holiday, then
the weekly hours.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

import holidays

from ivr_flows.model import Flow, TimeRange

# next_opening() looks this far ahead; a desk closed for longer has no "next opening"
SEARCH_DAYS = 400


# holidays' France subdivision for Moselle; Alsace ("6AE") has the same two extra days
# (Good Friday, St Stephen's Day), which is all the flow's ``alsace_moselle`` asks for
_MOSELLE = "57"


@functools.lru_cache(maxsize=32)
def _holidays(year: int, alsace_moselle: bool) -> Mapping[dt.date, str]:
    # schedule() asks once per day and next_opening() walks up to a year: one
    # computation per year, read-only so a caller cannot change the cached copy
    subdiv = _MOSELLE if alsace_moselle else None
    days = holidays.country_holidays("FR", subdiv=subdiv, years=year, language="fr")
    return MappingProxyType(dict(sorted(days.items())))


def french_holidays(year: int, *, alsace_moselle: bool = False) -> dict[dt.date, str]:
    """The public holidays (jours fériés) of ``year``, date -> French name, as the
    ``holidays`` package has them: by the law of that year (8 May was no holiday in
    most years before 1982, Whit Monday none in 2005-2007), empty past the last year it
    covers (2100 in 0.109), and two holidays on one date named together
    ("Ascension; Fête du Travail" on 1 May 2008)."""
    return dict(_holidays(year, alsace_moselle))


class DayKind(StrEnum):
    REGULAR = "regular"
    OPENING = "exceptional_opening"
    CLOSURE = "closure"
    HOLIDAY = "holiday"


@dataclass(frozen=True)
class DaySchedule:
    day: dt.date
    kind: DayKind
    ranges: tuple[TimeRange, ...]
    reason: str  # the holiday's or closure's name; empty on a regular day


def schedule(flow: Flow, day: dt.date) -> DaySchedule:
    """The opening ranges of local date ``day`` and why."""
    for opening in flow.openings:
        if opening.date == day:
            return DaySchedule(day, DayKind.OPENING, tuple(opening.hours), opening.reason)
    for closure in flow.closures:
        if closure.covers(day):
            return DaySchedule(day, DayKind.CLOSURE, (), closure.reason)
    if flow.holidays.enabled:
        name = _holidays(day.year, flow.holidays.alsace_moselle).get(day)
        if name is not None:
            return DaySchedule(day, DayKind.HOLIDAY, (), name)
    return DaySchedule(day, DayKind.REGULAR, tuple(flow.hours.for_weekday(day.weekday())), "")


def _local(flow: Flow, now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        # a naive time would silently mean "the server's zone"; refuse it
        raise ValueError("now must be timezone-aware")
    return now.astimezone(flow.zone)


def is_open(flow: Flow, now: dt.datetime) -> bool:
    local = _local(flow, now)
    moment = local.time().replace(tzinfo=None)
    return any(r.contains(moment) for r in schedule(flow, local.date()).ranges)


def current_range(flow: Flow, now: dt.datetime) -> TimeRange | None:
    local = _local(flow, now)
    moment = local.time().replace(tzinfo=None)
    return next((r for r in schedule(flow, local.date()).ranges if r.contains(moment)), None)


def next_opening(flow: Flow, now: dt.datetime) -> dt.datetime | None:
    """The next moment the desk opens, strictly after ``now`` when it is closed now;
    ``now`` itself when it is open. In the flow's time zone; None if it stays closed
    for more than a year."""
    local = _local(flow, now)
    if is_open(flow, now):
        return local
    for offset in range(SEARCH_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        for r in schedule(flow, day).ranges:
            # wall-clock time in the zone: fold=0 picks the first of an ambiguous
            # hour; opening hours never fall in the skipped spring-forward hour
            start = dt.datetime.combine(day, r.start, tzinfo=flow.zone)
            if start > local:
                return start
    return None


def closing_time(flow: Flow, now: dt.datetime) -> dt.datetime | None:
    """When the current opening range ends; None when closed."""
    r = current_range(flow, now)
    if r is None:
        return None
    return dt.datetime.combine(_local(flow, now).date(), r.end, tzinfo=flow.zone)


def opening_slots(
    flow: Flow, horizon_days: int = 60
) -> Callable[[dt.datetime], Iterator[tuple[dt.datetime, dt.datetime]]]:
    """The flow's opening periods (holidays, closures and exceptional openings
    included) that end after a given moment, in order, for ``horizon_days``: when a
    callback can be promised."""
    zone = flow.zone

    def slots(after: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        day = _local(flow, after).date()
        for _ in range(horizon_days + 1):
            for r in schedule(flow, day).ranges:
                slot = (
                    dt.datetime.combine(day, r.start, zone),
                    dt.datetime.combine(day, r.end, zone),
                )
                if slot[1] > after:
                    yield slot
            day += dt.timedelta(days=1)

    return slots
