"""Asterisk's silence on the caller's line between the steps of a call (issue 10): on
from the answer until a media link feeds the caller, and off before the call leaves
for the dialplan (a queue, the last resort), whose sounds a running generator would
drop. Against the call side's fake ARI, which records every request in order."""

from __future__ import annotations

import asyncio

from guichet.casefile.summary import Summarizer
from ivr_flows.decision import Mode
from ivr_flows.loader import DEFAULT_FLOW, load_flow
from pbx.ari.events import parse_event
from pbx.calls import (
    LAST_RESORT_CONTEXT,
    Answered,
    AnswerStep,
    CallFacts,
    CallSession,
    CallState,
    CallStep,
    HangingUp,
    RouteStep,
    Transferring,
)
from pbx.errors import AriError
from pbx.queues.flow import QUEUE_CONTEXT, QueueStep
from tests.support.call_fakes import CallHarness

WITHIN_S = 5.0


def line(harness: CallHarness) -> list[str]:
    """What was asked of the caller's channel, silence and moves only."""
    kept = {"answer", "start_silence", "stop_silence", "continue", "hangup"}
    return [name for name in harness.rest.names("c1") if name in kept]


class HangUp:
    """A step that has nothing more to do: the call is hung up."""

    async def run(self, call: CallSession) -> None:
        await call.go(HangingUp())


class Gone:
    """HANGING_UP, and the caller's channel is gone at once."""

    async def run(self, call: CallSession) -> None:
        await call.rest.hangup(call.call_id)


async def test_the_line_is_filled_from_the_answer(harness: CallHarness) -> None:
    steps: dict[CallState, CallStep] = {
        CallState.NEW: AnswerStep(harness.cases, "fr"),
        CallState.ANSWERED: HangUp(),
        CallState.HANGING_UP: Gone(),
    }
    session = await harness.session(steps)
    await asyncio.wait_for(session.run(), WITHIN_S)
    assert line(harness) == ["answer", "start_silence", "hangup"]


async def test_a_call_back_from_the_queue_is_filled_again(harness: CallHarness) -> None:
    """A new Stasis entry (the caller pressed 9 in the queue): the silence of the first
    one went with it."""

    async def night() -> Mode:
        return Mode.NIGHT

    route = RouteStep(load_flow(DEFAULT_FLOW), night, lambda _queue: False)
    steps: dict[CallState, CallStep] = {
        CallState.ANSWERED: route,
        CallState.VOICEBOT: HangUp(),
        CallState.HANGING_UP: Gone(),
    }
    session = await harness.session(steps)
    case = await harness.cases.open_case(call_id="c1", caller_number="+33612345678")
    await session.go(Answered(came_back="voicebot"), facts=CallFacts(case_id=case.id))
    await asyncio.wait_for(session.run(), WITHIN_S)
    assert line(harness)[0] == "start_silence"


async def test_the_silence_stops_before_the_queue_takes_the_call(harness: CallHarness) -> None:
    steps: dict[CallState, CallStep] = {
        CallState.TRANSFERRING: QueueStep(harness.cases, Summarizer()),
    }
    session = await harness.session(steps)
    case = await harness.cases.open_case(call_id="c1", caller_number="+33612345678")
    await session.go(Answered(), facts=CallFacts(case_id=case.id, lang="fr"))
    await session.go(Transferring(queue="reception"))
    running = asyncio.ensure_future(session.run())
    await harness.rest.wait_for(lambda: "continue" in harness.rest.names("c1"), WITHIN_S)
    session.deliver(
        parse_event({"application": "guichet", "type": "StasisEnd", "channel": {"id": "c1"}})
    )
    await asyncio.wait_for(running, WITHIN_S)
    assert line(harness) == ["stop_silence", "continue"]
    assert harness.rest.moved_to("c1") == [(QUEUE_CONTEXT, "reception")]


async def test_the_last_resort_is_not_muted_by_the_silence(harness: CallHarness) -> None:
    async def broken(call: CallSession) -> None:
        raise KeyError("a bug")

    session = await harness.session({CallState.NEW: broken})  # type: ignore[dict-item]
    await asyncio.wait_for(session.run(), WITHIN_S)
    assert line(harness) == ["stop_silence", "continue"]
    assert harness.rest.moved_to("c1") == [(LAST_RESORT_CONTEXT, "s")]


async def test_silence_asterisk_refuses_does_not_stop_the_call(harness: CallHarness) -> None:
    harness.rest.refuse["start_silence"] = AriError("500 internal error")
    harness.rest.refuse["stop_silence"] = AriError("500 internal error")
    steps: dict[CallState, CallStep] = {
        CallState.NEW: AnswerStep(harness.cases, "fr"),
        CallState.ANSWERED: HangUp(),
        CallState.HANGING_UP: Gone(),
    }
    session = await harness.session(steps)
    await asyncio.wait_for(session.run(), WITHIN_S)
    assert line(harness) == ["answer", "start_silence", "hangup"]
    record = await harness.calls.get("c1")
    assert record is not None and record.end_reason == "completed"
