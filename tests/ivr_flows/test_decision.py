import datetime as dt
from zoneinfo import ZoneInfo

from ivr_flows.decision import Mode, Reason, Target, route
from ivr_flows.model import Flow

PARIS = ZoneInfo("Europe/Paris")
MONDAY_10H = dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
MONDAY_20H = dt.datetime(2026, 11, 30, 20, 0, tzinfo=PARIS)
EASTER_MONDAY_10H = dt.datetime(2026, 4, 6, 10, 0, tzinfo=PARIS)


def test_open_with_an_agent_goes_to_the_reception_queue(flow: Flow) -> None:
    d = route(flow, MONDAY_10H, Mode.AUTO, agents_available=True)
    assert d.target is Target.RECEPTION_QUEUE and d.reason is Reason.OPEN
    assert d.queue == "reception" and d.language == "fr"
    assert d.desk_open and d.offer_human
    assert d.detail == "open until 12:00"


def test_open_without_agent_goes_to_the_voicebot_offering_a_human(flow: Flow) -> None:
    d = route(flow, MONDAY_10H, Mode.AUTO, agents_available=False)
    assert d.target is Target.VOICEBOT and d.reason is Reason.NO_AGENT
    assert d.offer_human and d.offer_callback and d.queue == "reception"


def test_closed_goes_to_the_voicebot_with_the_next_opening(flow: Flow) -> None:
    d = route(flow, MONDAY_20H, Mode.AUTO, agents_available=True)
    assert d.target is Target.VOICEBOT and d.reason is Reason.OUTSIDE_HOURS
    assert not d.desk_open and d.offer_callback
    assert d.next_opening == dt.datetime(2026, 12, 1, 8, 30, tzinfo=PARIS)


def test_holiday_and_closure_say_why(flow: Flow) -> None:
    d = route(flow, EASTER_MONDAY_10H, Mode.AUTO, agents_available=True)
    assert (d.target, d.reason, d.detail) == (Target.VOICEBOT, Reason.HOLIDAY, "Lundi de Pâques")
    christmas_eve = dt.datetime(2026, 12, 24, 10, 0, tzinfo=PARIS)
    d = route(flow, christmas_eve, Mode.AUTO, agents_available=True)
    assert (d.reason, d.detail) == (Reason.CLOSURE, "Veille de Noël")


def test_night_mode_wins_over_the_hours(flow: Flow) -> None:
    d = route(flow, MONDAY_10H, Mode.NIGHT, agents_available=True)
    assert d.target is Target.VOICEBOT and d.reason is Reason.FORCED_NIGHT
    assert not d.desk_open and d.next_opening is None


def test_day_mode_opens_outside_the_hours(flow: Flow) -> None:
    d = route(flow, EASTER_MONDAY_10H, Mode.DAY, agents_available=True)
    assert d.target is Target.RECEPTION_QUEUE and d.reason is Reason.FORCED_DAY
    d = route(flow, MONDAY_20H, Mode.DAY, agents_available=False)
    assert d.target is Target.VOICEBOT and d.reason is Reason.NO_AGENT and d.offer_human
