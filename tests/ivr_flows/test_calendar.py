import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ivr_flows.calendar import (
    DayKind,
    easter_sunday,
    french_holidays,
    is_open,
    next_opening,
    schedule,
)
from ivr_flows.model import Flow

PARIS = ZoneInfo("Europe/Paris")


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, dt.date(2024, 3, 31)),
        (2025, dt.date(2025, 4, 20)),
        (2026, dt.date(2026, 4, 5)),
        (2027, dt.date(2027, 3, 28)),
        (2038, dt.date(2038, 4, 25)),  # the latest possible date
        (2285, dt.date(2285, 3, 22)),  # the earliest possible date
    ],
)
def test_easter_sunday(year: int, easter: dt.date) -> None:
    assert easter_sunday(year) == easter


def test_french_holidays_2026() -> None:
    days = french_holidays(2026)
    assert len(days) == 11
    assert days[dt.date(2026, 4, 6)] == "Lundi de Pâques"
    assert days[dt.date(2026, 5, 14)] == "Ascension"
    assert days[dt.date(2026, 5, 25)] == "Lundi de Pentecôte"
    for fixed in [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]:
        assert dt.date(2026, *fixed) in days
    assert dt.date(2026, 4, 3) not in days  # Good Friday: Alsace-Moselle only


def test_french_holidays_2027() -> None:
    days = french_holidays(2027)
    assert days[dt.date(2027, 3, 29)] == "Lundi de Pâques"
    assert days[dt.date(2027, 5, 6)] == "Ascension"
    assert days[dt.date(2027, 5, 17)] == "Lundi de Pentecôte"
    assert len(days) == 11


def test_alsace_moselle_adds_good_friday_and_st_stephen() -> None:
    days = french_holidays(2026, alsace_moselle=True)
    assert days[dt.date(2026, 4, 3)] == "Vendredi saint"
    assert days[dt.date(2026, 12, 26)] == "Saint-Étienne"
    assert len(days) == 13


def test_opening_and_closing_minutes(flow: Flow) -> None:
    # Monday 2026-11-30: 08:30-12:00 and 13:30-17:30; starts included, ends excluded
    assert not is_open(flow, paris(2026, 11, 30, 8, 29, 59))
    assert is_open(flow, paris(2026, 11, 30, 8, 30))
    assert is_open(flow, paris(2026, 11, 30, 11, 59, 59))
    assert not is_open(flow, paris(2026, 11, 30, 12, 0))
    assert not is_open(flow, paris(2026, 11, 30, 13, 29))
    assert is_open(flow, paris(2026, 11, 30, 13, 30))
    assert not is_open(flow, paris(2026, 11, 30, 17, 30))
    assert is_open(flow, paris(2026, 12, 3, 18, 59))  # Thursday's late opening
    assert not is_open(flow, paris(2026, 12, 6, 10, 0))  # Sunday


def test_any_time_zone_is_accepted_and_naive_refused(flow: Flow) -> None:
    # 07:30 UTC on a winter Monday is 08:30 in Paris
    assert is_open(flow, dt.datetime(2026, 11, 30, 7, 30, tzinfo=dt.UTC))
    assert not is_open(flow, dt.datetime(2026, 11, 30, 7, 29, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(flow, dt.datetime(2026, 11, 30, 9, 0))


def test_hours_follow_daylight_saving_time(flow: Flow) -> None:
    # DST starts Sunday 2026-03-29: 08:30 in Paris is 07:30 UTC on Friday, 06:30 on Monday
    assert is_open(flow, dt.datetime(2026, 3, 27, 7, 30, tzinfo=dt.UTC))
    assert not is_open(flow, dt.datetime(2026, 3, 27, 6, 30, tzinfo=dt.UTC))
    assert is_open(flow, dt.datetime(2026, 3, 30, 6, 30, tzinfo=dt.UTC))
    assert not is_open(flow, dt.datetime(2026, 3, 30, 6, 29, tzinfo=dt.UTC))
    # DST ends Sunday 2026-10-25: back to 07:30 UTC on Monday
    assert not is_open(flow, dt.datetime(2026, 10, 26, 6, 30, tzinfo=dt.UTC))
    assert is_open(flow, dt.datetime(2026, 10, 26, 7, 30, tzinfo=dt.UTC))
    # next opening across the spring change: Saturday noon -> Monday 08:30 CEST
    nxt = next_opening(flow, paris(2026, 3, 28, 12, 0))
    assert nxt == paris(2026, 3, 30, 8, 30)
    assert nxt is not None and nxt.utcoffset() == dt.timedelta(hours=2)


def test_holidays_are_closed(flow: Flow) -> None:
    easter_monday = paris(2026, 4, 6, 10, 0)
    assert not is_open(flow, easter_monday)
    day = schedule(flow, easter_monday.date())
    assert day.kind is DayKind.HOLIDAY and day.reason == "Lundi de Pâques"
    assert not is_open(flow, paris(2026, 5, 14, 10, 0))  # Ascension, a Thursday
    assert not is_open(flow, paris(2026, 5, 25, 10, 0))  # Whit Monday
    assert is_open(flow, paris(2026, 5, 26, 10, 0))  # the Tuesday after


def test_closures_and_exceptional_openings(flow: Flow) -> None:
    # 2026-12-24 (Thursday) closed; 28-31 December closed ("Fermeture de fin d'année")
    assert schedule(flow, dt.date(2026, 12, 24)).kind is DayKind.CLOSURE
    assert not is_open(flow, paris(2026, 12, 24, 10, 0))
    for day in (28, 29, 30, 31):
        assert not is_open(flow, paris(2026, 12, day, 10, 0))
    assert schedule(flow, dt.date(2026, 12, 31)).reason == "Fermeture de fin d'année"
    # 2027-03-14 is a Sunday, open 08:00-18:00 for the elections
    assert is_open(flow, paris(2027, 3, 14, 8, 0))
    assert is_open(flow, paris(2027, 3, 14, 17, 59))
    assert not is_open(flow, paris(2027, 3, 14, 18, 0))
    assert schedule(flow, dt.date(2027, 3, 14)).kind is DayKind.OPENING


def test_next_opening(flow: Flow) -> None:
    # Friday evening -> Saturday 09:00
    assert next_opening(flow, paris(2026, 12, 4, 18, 0)) == paris(2026, 12, 5, 9, 0)
    # lunch break -> same day 13:30
    assert next_opening(flow, paris(2026, 11, 30, 12, 0)) == paris(2026, 11, 30, 13, 30)
    # open now -> now
    now = paris(2026, 11, 30, 9, 0)
    assert next_opening(flow, now) == now
    # Wednesday 23 December evening: 24 closed, 25 Christmas, Saturday 26 opens
    assert next_opening(flow, paris(2026, 12, 23, 18, 0)) == paris(2026, 12, 26, 9, 0)
    # Saturday 26 afternoon: Sunday, then 28-31 closed, 1 January a holiday -> Saturday 2
    assert next_opening(flow, paris(2026, 12, 26, 12, 0)) == paris(2027, 1, 2, 9, 0)


def test_never_open_has_no_next_opening(flow: Flow) -> None:
    closed = flow.model_copy(update={"hours": type(flow.hours)(), "openings": []})
    assert next_opening(closed, paris(2026, 11, 30, 9, 0)) is None
