"""The flow's opening periods as callback slots: holidays and closures skipped."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from guichet.casefile.callbacks import compute_due_by
from guichet.settings import Settings
from ivr_flows.calendar import opening_slots
from ivr_flows.loader import load_flow_for

PARIS = ZoneInfo("Europe/Paris")


def test_slots_follow_hours_and_skip_public_holidays() -> None:
    flow = load_flow_for(Settings())
    # Wednesday 2026-11-11 (Armistice) is a public holiday: nothing that day
    after = dt.datetime(2026, 11, 10, 18, 0, tzinfo=PARIS)
    first = list(opening_slots(flow)(after))[:2]
    assert first[0][0] == dt.datetime(2026, 11, 12, 8, 30, tzinfo=PARIS)
    assert first[0][1] == dt.datetime(2026, 11, 12, 12, 0, tzinfo=PARIS)
    assert first[1][0] == dt.datetime(2026, 11, 12, 13, 30, tzinfo=PARIS)


def test_a_callback_booked_on_christmas_eve_closure_is_due_after_it() -> None:
    flow = load_flow_for(Settings())
    # the demo flow closes 24 Dec and 28-31 Dec; 25 Dec and 1 Jan are holidays: after
    # Wednesday 23 Dec's close, Saturday 26 (9-12, 3 h) then Saturday 2 Jan from 9:00
    now = dt.datetime(2026, 12, 23, 18, 0, tzinfo=PARIS)
    due = compute_due_by(now, opening_slots(flow), working_hours=4)
    assert due.astimezone(PARIS) == dt.datetime(2027, 1, 2, 10, 0, tzinfo=PARIS)
