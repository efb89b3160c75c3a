"""The crash-durability benchmark, short: a few controller lives, each SIGKILLed right
after its caller heard the callback confirmation (the method is in
``tests/bench/bench_crash_durability.py``; the benchmark runs 200)."""

from __future__ import annotations

import pytest

from tests.bench.bench_crash_durability import KILL_MODES, run

pytestmark = pytest.mark.slow


def test_killed_controllers_lose_no_callback_and_send_each_sms_once(db_url: str) -> None:
    lives = 2 * len(KILL_MODES)
    results = run(lives, db_url, bound_s=180)
    assert results.problems == []
    assert results.kills == dict.fromkeys(KILL_MODES, 2)
    assert results.confirmed == lives and results.lost_callbacks == 0
    # one message per callback, to its number, with its reference
    assert results.sms_expected == results.sms_exactly_once == lives
    assert (results.sms_missing, results.sms_duplicated) == (0, 0)
    # the worst case happened (Twilio took a message, its sender died before the
    # reply) and was reconciled: no POST beyond one per SMS
    assert results.twilio_replies_lost == 2
    assert results.twilio_posts == lives
    assert results.outbox_rows_not_sent == 0
    assert results.bodies_quoting_the_caller == 0
