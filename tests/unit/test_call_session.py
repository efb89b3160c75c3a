"""The call session as a router: each saved state runs its step, the call ends with
the right reason, its case gets an outcome, and the catalogue's events are published.
Real store (SQLite), real bus; the steps are small stand-ins for the features."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

import ivr_flows
from guichet.bus import InMemoryBus
from guichet.casefile.records import Outcome
from guichet.casefile.repository import CaseRepository
from guichet.events import CallEnded, LanguageChanged
from guichet.store import open_store
from ivr_flows.loader import load_flow
from pbx.ari.events import parse_event
from pbx.ari.rest import AriRest
from pbx.calls import (
    Answered,
    CallRepository,
    CallSession,
    CallState,
    CallStep,
    HangingUp,
    Transferring,
    Voicebot,
)
from pbx.calls.errors import CallEnded as CallLeft
from pbx.calls.state import Callback
from pbx.queues.flow import HandOver

WITHIN_S = 5.0


class Step:
    def __init__(self, body: Callable[[CallSession], Awaitable[None]]) -> None:
        self.body = body
        self.runs = 0

    async def run(self, call: CallSession) -> None:
        self.runs += 1
        await self.body(call)


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
        self.calls = CallRepository(self.store)
        self.cases = CaseRepository(self.store)
        self.bus = InMemoryBus()
        # never reached by these steps: a closed port, so a stray request fails loudly
        self.rest = AriRest("http://127.0.0.1:9", "u", "p")

    async def session(self, steps: dict[CallState, CallStep], call_id: str = "c1") -> CallSession:
        record = await self.calls.create(call_id, "+33612345678", "3000", "fr")

        def no_links(*_: object) -> tuple[object, asyncio.Future[None]]:
            raise AssertionError("no media in these tests")

        return CallSession(
            record,
            calls=self.calls,
            cases=self.cases,
            rest=self.rest,
            bus=self.bus,
            steps=steps,
            links=no_links,  # type: ignore[arg-type]
        )


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path)
    yield h
    await h.rest.aclose()
    h.store.close()


async def open_case(call: CallSession) -> None:
    case = await call.cases.open_case(call_id=call.call_id, caller_number=None, language="fr")
    facts = call.facts.__class__(case_id=case.id)
    await call.go(Answered(), facts=facts)


async def confirmed_at_once(call: CallSession) -> None:
    """The hang-up step, when Asterisk confirms at once: no transition, the call ends."""


def stasis_end(channel_id: str) -> object:
    return parse_event(
        {"type": "StasisEnd", "application": "guichet", "channel": {"id": channel_id}}
    )


async def test_each_state_runs_its_step_until_the_call_is_hung_up(harness: Harness) -> None:
    async def voicebot(call: CallSession) -> None:
        call.answered += 1
        await call.learn_language("en")
        await call.go(HangingUp())

    steps: dict[CallState, CallStep] = {
        CallState.NEW: Step(open_case),
        CallState.ANSWERED: Step(lambda call: call.go(Voicebot(link_id="l1"))),
        CallState.VOICEBOT: Step(voicebot),
        CallState.HANGING_UP: Step(confirmed_at_once),
    }
    session = await harness.session(steps)
    async with harness.bus.subscribe(types=(CallEnded, LanguageChanged)) as events:
        await asyncio.wait_for(session.run(), WITHIN_S)
        changed = await asyncio.wait_for(events.get(), WITHIN_S)
        ended = await asyncio.wait_for(events.get(), WITHIN_S)

    assert all(step.runs == 1 for step in steps.values())  # type: ignore[attr-defined]
    assert isinstance(changed, LanguageChanged) and changed.lang == "en"
    assert isinstance(ended, CallEnded) and ended.reason == "completed"
    assert ended.case_id == session.case_id != ""
    record = await harness.calls.get("c1")
    assert record is not None and record.state is CallState.ENDED
    assert record.facts.lang == "en" and record.facts.lang_known
    case = (await harness.cases.get_case(session.case_id)).case
    assert case.outcome is Outcome.ANSWERED_BY_BOT
    assert case.language == "en"


async def test_a_caller_who_hangs_up_mid_step_ends_the_call(harness: Harness) -> None:
    started = asyncio.Event()

    async def wait_forever(call: CallSession) -> None:
        started.set()
        await call.until_gone(asyncio.Event().wait())

    steps: dict[CallState, CallStep] = {
        CallState.NEW: Step(open_case),
        CallState.ANSWERED: Step(wait_forever),
    }
    session = await harness.session(steps)
    running = asyncio.ensure_future(session.run())
    await asyncio.wait_for(started.wait(), WITHIN_S)
    session.deliver(stasis_end("c1"))  # type: ignore[arg-type]
    await asyncio.wait_for(running, WITHIN_S)

    record = await harness.calls.get("c1")
    assert record is not None and record.end_reason == "caller_hangup"
    case = (await harness.cases.get_case(session.case_id)).case
    assert case.outcome is Outcome.ABANDONED  # nothing answered


async def test_a_call_handed_to_a_queue_ends_this_leg_as_to_queue(harness: Harness) -> None:
    async def to_queue(call: CallSession) -> None:
        call.deliver(stasis_end(call.call_id))  # type: ignore[arg-type]  # as Asterisk would
        await call.wait_until_gone()

    steps: dict[CallState, CallStep] = {
        CallState.NEW: Step(open_case),
        CallState.ANSWERED: Step(lambda call: call.go(Transferring(queue="reception"))),
        CallState.TRANSFERRING: Step(to_queue),
    }
    session = await harness.session(steps)
    await asyncio.wait_for(session.run(), WITHIN_S)
    record = await harness.calls.get("c1")
    assert record is not None and record.end_reason == "to_queue"


async def test_a_step_raising_call_left_is_a_hang_up_not_an_error(harness: Harness) -> None:
    async def left(call: CallSession) -> None:
        raise CallLeft

    session = await harness.session({CallState.NEW: Step(left)})
    await asyncio.wait_for(session.run(), WITHIN_S)
    record = await harness.calls.get("c1")
    assert record is not None and record.end_reason == "caller_hangup"


DEFAULT_FLOW = load_flow(Path(ivr_flows.__file__).parent / "default.yaml")


def hand_over(free: set[str]) -> HandOver:
    return HandOver(DEFAULT_FLOW, ["reception", "etat-civil", "mairie-annexe"], free.__contains__)


def test_hand_over_prefers_the_topic_experts_then_reception_then_a_callback() -> None:
    assert hand_over({"etat-civil", "reception"}).target("etat-civil") == Transferring(
        queue="etat-civil", escalated=True, service="etat-civil"
    )
    assert hand_over({"reception"}).target("etat-civil") == Transferring(
        queue="reception", escalated=False, service="etat-civil"
    )
    # a card's own service name, sent to the queue that handles it
    assert hand_over({"etat-civil"}).target("titres-identite") == Transferring(
        queue="etat-civil", escalated=True, service="titres-identite"
    )
    # a service known only as a queue name
    assert hand_over({"mairie-annexe"}).target("mairie-annexe") == Transferring(
        queue="mairie-annexe", escalated=True, service="mairie-annexe"
    )
    # an unknown service is no expert queue
    assert hand_over({"reception"}).target("cantine") == Transferring(
        queue="reception", escalated=False, service="cantine"
    )
    nobody = hand_over(set()).target("etat-civil", after_incident=True)
    assert isinstance(nobody, Callback)
    assert nobody.service == "etat-civil" and nobody.incident and nobody.link_id
    names = hand_over(set()).service_names
    assert {"etat-civil", "titres-identite", "reception", "mairie-annexe"} <= names


async def test_any_failure_in_a_step_ends_the_call_as_an_error(harness: Harness) -> None:
    """Not only ARI and media errors: a bug, a bad value, a store error. The session
    never raises; the call ends with reason ``error`` (here even the last resort is
    refused: ARI is unreachable, so the hang-up is tried, and that fails too)."""

    async def broken(call: CallSession) -> None:
        raise ValueError("a value the step did not expect")

    steps: dict[CallState, CallStep] = {
        CallState.NEW: Step(open_case),
        CallState.ANSWERED: Step(broken),
    }
    session = await harness.session(steps)
    async with harness.bus.subscribe(types=(CallEnded,)) as events:
        await asyncio.wait_for(session.run(), WITHIN_S)
        ended = await asyncio.wait_for(events.get(), WITHIN_S)
    assert isinstance(ended, CallEnded) and ended.reason == "error"
    record = await harness.calls.get("c1")
    assert record is not None and record.end_reason == "error"
    case = (await harness.cases.get_case(session.case_id)).case
    assert case.outcome is Outcome.ABANDONED  # closed, not left open
