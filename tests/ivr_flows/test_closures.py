"""Closures added by an operator (a strike, a snow day): the routing decision with
them, and their rows in the store (SQLite and PostgreSQL)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from guichet.store import open_store
from ivr_flows.closures import TimedClosure, add_closure, current_closures, remove_closure
from ivr_flows.decision import Mode, Reason, Target, route
from ivr_flows.errors import ModeError
from ivr_flows.model import Flow

PARIS = ZoneInfo("Europe/Paris")
MONDAY = dt.date(2026, 11, 30)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(MONDAY, dt.time(hour, minute), tzinfo=PARIS)


STRIKE = TimedClosure(1, "Grève", at(14), at(16))


def test_a_closure_sends_calls_to_the_voicebot_while_it_lasts(flow: Flow) -> None:
    d = route(flow, at(15), Mode.AUTO, agents_available=True, closures=[STRIKE])
    assert (d.target, d.reason, d.detail) == (Target.VOICEBOT, Reason.CLOSURE, "Grève")
    assert not d.desk_open and not d.offer_human
    # the desk is open at 16:00 on a Monday: that is when it opens again
    assert d.next_opening == at(16)
    # before and after it, the hours decide
    assert route(flow, at(13, 59), Mode.AUTO, True, closures=[STRIKE]).reason is Reason.OPEN
    assert route(flow, at(16), Mode.AUTO, True, closures=[STRIKE]).reason is Reason.OPEN


def test_a_closure_past_closing_time_reopens_the_next_morning(flow: Flow) -> None:
    snow = TimedClosure(2, "Neige", at(8), at(18))
    d = route(flow, at(11), Mode.AUTO, agents_available=True, closures=[snow])
    assert d.next_opening == dt.datetime(2026, 12, 1, 8, 30, tzinfo=PARIS)


def test_the_operators_mode_overrides_a_closure_as_it_does_the_hours(flow: Flow) -> None:
    d = route(flow, at(15), Mode.DAY, agents_available=True, closures=[STRIKE])
    assert (d.target, d.reason) == (Target.RECEPTION_QUEUE, Reason.FORCED_DAY)
    d = route(flow, at(15), Mode.NIGHT, agents_available=True, closures=[STRIKE])
    assert d.reason is Reason.FORCED_NIGHT


def test_closures_are_stored_listed_and_removed(store_url: str) -> None:
    store = open_store(store_url)
    try:
        strike = add_closure(store, "  Grève   des agents ", at(14), at(16), by="web:sophie")
        later = add_closure(store, "Neige", at(17), at(18), by="web:sophie")
        assert strike.reason == "Grève des agents" and strike.created_by == "web:sophie"
        assert [c.id for c in current_closures(store, at(10))] == [strike.id, later.id]
        # over ones are not in force any more
        assert [c.id for c in current_closures(store, at(16, 30))] == [later.id]
        (read,) = (c for c in current_closures(store, at(10)) if c.id == strike.id)
        assert (read.starts_at, read.ends_at) == (at(14), at(16))
        assert remove_closure(store, strike.id, by="web:sophie")
        assert not remove_closure(store, strike.id, by="web:sophie")  # removed already
        assert [c.id for c in current_closures(store, at(10))] == [later.id]
        with pytest.raises(ModeError):
            add_closure(store, "x", at(16), at(14), by="web:sophie")
        with pytest.raises(ModeError):
            add_closure(store, "   ", at(14), at(16), by="web:sophie")
    finally:
        store.close()
