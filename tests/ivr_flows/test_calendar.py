import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from ivr_flows.calendar import (
    DayKind,
    french_holidays,
    is_open,
    next_opening,
    schedule,
)
from ivr_flows.model import Flow, Holidays

PARIS = ZoneInfo("Europe/Paris")


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("year", "good_friday", "easter_monday", "ascension", "whit_monday"),
    [
        # dates from published calendars, not from an Easter formula
        (2008, (3, 21), (3, 24), (5, 1), (5, 12)),  # early Easter; Ascension on 1 May
        (2024, (3, 29), (4, 1), (5, 9), (5, 20)),
        (2025, (4, 18), (4, 21), (5, 29), (6, 9)),
        (2026, (4, 3), (4, 6), (5, 14), (5, 25)),
        (2027, (3, 26), (3, 29), (5, 6), (5, 17)),
        (2038, (4, 23), (4, 26), (6, 3), (6, 14)),  # the latest possible Easter
    ],
)
def test_movable_holidays(
    year: int,
    good_friday: tuple[int, int],
    easter_monday: tuple[int, int],
    ascension: tuple[int, int],
    whit_monday: tuple[int, int],
) -> None:
    days = french_holidays(year)
    assert days[dt.date(year, *easter_monday)] == "Lundi de Pâques"
    assert "Ascension" in days[dt.date(year, *ascension)]
    assert days[dt.date(year, *whit_monday)] == "Lundi de Pentecôte"
    assert dt.date(year, *good_friday) not in days
    alsace_moselle = french_holidays(year, alsace_moselle=True)
    assert alsace_moselle[dt.date(year, *good_friday)] == "Vendredi saint"
    assert alsace_moselle[dt.date(year, 12, 26)] == "Saint-Étienne"
    # Alsace-Moselle keeps every national holiday and adds exactly those two
    assert alsace_moselle.items() >= days.items()
    assert len(alsace_moselle) == len(days) + 2


def test_moselle_and_alsace_have_the_same_holidays() -> None:
    # calendar.py asks for Moselle's ("57") on behalf of both; Alsace is "6AE"
    for year in (2026, 2027, 2038, 2060):
        moselle = holidays.country_holidays("FR", subdiv="57", years=year, language="fr")
        alsace = holidays.country_holidays("FR", subdiv="6AE", years=year, language="fr")
        assert dict(moselle) == dict(alsace)  # the objects' == also compares subdiv


def test_french_holidays_2026() -> None:
    # the names are the holidays package's French ones: they show in routing details
    assert french_holidays(2026) == {
        dt.date(2026, 1, 1): "Jour de l'an",
        dt.date(2026, 4, 6): "Lundi de Pâques",
        dt.date(2026, 5, 1): "Fête du Travail",
        dt.date(2026, 5, 8): "Fête de la Victoire",
        dt.date(2026, 5, 14): "Ascension",
        dt.date(2026, 5, 25): "Lundi de Pentecôte",
        dt.date(2026, 7, 14): "Fête nationale",
        dt.date(2026, 8, 15): "Assomption",
        dt.date(2026, 11, 1): "Toussaint",
        dt.date(2026, 11, 11): "Armistice",
        dt.date(2026, 12, 25): "Noël",
    }
    assert list(french_holidays(2026)) == sorted(french_holidays(2026))  # in date order


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


def test_the_flow_chooses_the_holiday_set(flow: Flow) -> None:
    good_friday, st_stephen = dt.date(2026, 4, 3), dt.date(2026, 12, 26)
    assert schedule(flow, good_friday).kind is DayKind.REGULAR  # the demo is not in Alsace
    assert schedule(flow, st_stephen).kind is DayKind.REGULAR
    alsace = flow.model_copy(update={"holidays": Holidays(alsace_moselle=True)})
    day = schedule(alsace, good_friday)
    assert day.kind is DayKind.HOLIDAY and day.reason == "Vendredi saint"
    assert not is_open(alsace, paris(2026, 4, 3, 10, 0))
    assert schedule(alsace, st_stephen).reason == "Saint-Étienne"
    # no holiday set at all: Easter Monday is an ordinary Monday
    none = flow.model_copy(update={"holidays": Holidays(enabled=False)})
    assert schedule(none, dt.date(2026, 4, 6)).kind is DayKind.REGULAR
    assert is_open(none, paris(2026, 4, 6, 10, 0))


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
