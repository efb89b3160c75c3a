"""The calls' saved state machine, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from guichet.store import open_store
from pbx.calls import (
    Answered,
    CallFacts,
    CallRepository,
    CallState,
    InvalidTransition,
    Transferring,
    Voicebot,
)


async def test_call_lifecycle_survives_reopen(store_url: str) -> None:
    store = open_store(store_url)
    calls = CallRepository(store)
    await calls.create("c1", "+33612345678", "3000", "fr")
    facts = CallFacts(case_id="k1")
    await calls.transition("c1", Answered(), facts)
    await calls.transition("c1", Voicebot(link_id="l1", desk_open=True), facts)
    store.close()

    reopened = CallRepository(open_store(store_url))  # as a restarted controller does
    record = await reopened.get("c1")
    assert record is not None
    assert record.state is CallState.VOICEBOT
    assert record.facts == facts
    assert record.step == Voicebot(link_id="l1", desk_open=True)
    assert record.caller == "+33612345678"
    assert [c.id for c in await reopened.open_calls()] == ["c1"]
    with pytest.raises(InvalidTransition):
        await reopened.transition("c1", Answered(), facts)
    await reopened.end("c1", facts, "completed")
    assert await reopened.open_calls() == []
    ended = await reopened.get("c1")
    assert ended is not None and ended.end_reason == "completed" and ended.facts == facts
    kinds = [k for k, _ in await reopened.events("c1")]
    assert kinds == ["call.started", "state.answered", "state.voicebot", "state.ended"]


async def test_a_call_back_from_the_queue_reenters_with_its_facts(store_url: str) -> None:
    calls = CallRepository(open_store(store_url))
    await calls.create("c2", "", "3000", "")
    facts = CallFacts(case_id="k2", lang="en", lang_known=True)
    await calls.transition("c2", Answered(), facts)
    await calls.transition("c2", Transferring(queue="reception"), facts)
    await calls.end("c2", facts, "to_queue")

    record = await calls.reenter("c2", facts, "voicebot")
    assert record.state is CallState.ANSWERED
    assert record.step == Answered(came_back="voicebot")
    assert record.facts == facts
    assert record.ended_at is None and record.end_reason is None
    assert record.caller is None  # an empty caller id is stored as unknown
