"""Faults on a call's path, injected where they happen (a real store made to fail with
a trigger, engines that raise or hang, a booking that fails), through the real steps,
session and controller: the caller always hears something soon (an apology and the
dialplan's last resort, a hand-over, or the bot's own words), the call row ends with
reason ``error``, and the controller goes on serving the other calls."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import sqlalchemy as sa

import ivr_flows
from guichet.bus import EventStream
from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.records import CallbackRecord, CaseFile, Outcome
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer, Summary
from guichet.events import CallEnded, Event, HandedOver, TurnTranscribed
from guichet.settings import Settings
from guichet.store import open_store
from ivr_flows.decision import Mode
from ivr_flows.loader import load_flow
from pbx.ari.events import AriEvent, parse_event
from pbx.callbacks import CallbackStep
from pbx.calls import (
    LAST_RESORT_CONTEXT,
    Answered,
    AnswerStep,
    AriConnection,
    CallController,
    CallFacts,
    CallRepository,
    CallSession,
    CallState,
    CallStep,
    CallTimeouts,
    HangUpStep,
    RouteStep,
)
from pbx.calls.state import Callback, Transferring, Voicebot
from pbx.errors import AriConflict, AriError, CallNotFound
from pbx.queues.flow import QUEUE_CONTEXT, HandOver, QueueStep
from pbx.voicebot_call import VoicebotStep
from tests.support.call_fakes import CallHarness, FakeRest, channel
from tests.voicebot.fakes import FakeAsr, FakeEngines, FakeTts, fake_knowledge
from voicebot import Frame, Lang, Voice, VoicebotConfig, VoicebotPipeline
from voicebot.audio import float_to_pcm16
from voicebot.stages.tts_stage import TtsConfig

WITHIN_S = 5.0
HEARD_WITHIN_S = 2.0  # from the fault to the caller hearing something
STORE_S = 0.4  # the tests' store time-out: short, so that hangs are quick to see
FLOW = load_flow(Path(ivr_flows.__file__).parent / "default.yaml")
RATE = 8000
RNG = np.random.default_rng(11)


# --- fakes that fail -------------------------------------------------------------------


class Gate:
    """Holds hung engine threads until the test ends (then lets them go)."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def hang(self) -> None:
        self.released.wait(30)


class FailingTts(FakeTts):
    def __init__(self, gate: Gate | None = None) -> None:
        super().__init__()
        self.gate = gate

    def synthesize(self, text: str, lang: Lang) -> np.ndarray:  # type: ignore[override]
        self.spoken.append((text, lang))
        if self.gate is not None:
            self.gate.hang()
            return super().synthesize(text, lang)
        raise RuntimeError("TTS engine crashed")


class FailingAsr(FakeAsr):
    """Every transcription raises (or hangs, with a gate)."""

    def __init__(self, gate: Gate | None = None) -> None:
        super().__init__()
        self.gate = gate

    def transcribe(self, audio16k: np.ndarray, lang: Lang | None):  # type: ignore[no-untyped-def]
        self.calls.append((int(audio16k.size), lang))
        if self.gate is not None:
            self.gate.hang()
        raise RuntimeError("ASR engine crashed")


@pytest.fixture
def gate() -> Iterator[Gate]:
    g = Gate()
    yield g
    g.released.set()


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[CallHarness]:
    h = CallHarness(tmp_path, CallTimeouts(store_s=STORE_S, summary_s=STORE_S, ari_s=0.5))
    yield h
    h.close()


def trigger(harness: CallHarness, table: str, when: str = "1") -> None:
    """A store fault: inserts into ``table`` (matching ``when``) fail, as a broken
    database would make them."""
    with harness.store.engine.begin() as db:
        db.execute(
            sa.text(
                f"CREATE TRIGGER fault_{table} BEFORE INSERT ON {table} WHEN {when} "
                "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
            )
        )


def event(raw: dict[str, object]) -> AriEvent:
    return parse_event({"application": "guichet", **raw})


def stasis_end(channel_id: str) -> AriEvent:
    return event({"type": "StasisEnd", "channel": {"id": channel_id}})


def dtmf(channel_id: str, digit: str) -> AriEvent:
    return event(
        {
            "type": "ChannelDtmfReceived",
            "channel": {"id": channel_id},
            "digit": digit,
            "duration_ms": 100,
        }
    )


async def ended(harness: CallHarness, call_id: str = "c1") -> str | None:
    record = await harness.calls.get(call_id)
    assert record is not None and record.state is CallState.ENDED
    return record.end_reason


async def run_until_moved(harness: CallHarness, session: CallSession) -> float:
    """Run the call; the seconds until it was sent somewhere in the dialplan (or hung
    up); the call must then end."""
    started = time.perf_counter()
    running = asyncio.ensure_future(session.run())
    await harness.rest.wait_for(
        lambda: bool(set(harness.rest.names(session.call_id)) & {"continue", "hangup"}),
        WITHIN_S,
    )
    moved = time.perf_counter() - started
    if harness.rest.moved_to(session.call_id):
        session.deliver(stasis_end(session.call_id))  # type: ignore[arg-type]
    await asyncio.wait_for(running, WITHIN_S)
    return moved


async def answered(harness: CallHarness, steps: dict[CallState, CallStep]) -> CallSession:
    """Call c1, answered, with its case open (French, known)."""
    session = await harness.session(steps)
    case = await harness.cases.open_case(call_id="c1", caller_number="+33612345678", language="fr")
    facts = CallFacts(case_id=case.id, lang="fr", lang_known=True)
    await session.go(Answered(), facts=facts)
    return session


# --- the last resort --------------------------------------------------------------------


async def test_a_store_error_opening_the_case_sends_the_caller_to_the_last_resort(
    harness: CallHarness,
) -> None:
    trigger(harness, "cases")
    steps: dict[CallState, CallStep] = {CallState.NEW: AnswerStep(harness.cases, "fr")}
    session = await harness.session(steps)
    async with harness.bus.subscribe(types=(CallEnded,)) as events:
        moved = await run_until_moved(harness, session)
        ended_event = await asyncio.wait_for(events.get(), WITHIN_S)

    assert moved < HEARD_WITHIN_S
    assert harness.rest.moved_to("c1") == [(LAST_RESORT_CONTEXT, "s")]
    assert ("set_variable", "c1", "CHANNEL(language)", "fr") in harness.rest.requests
    assert "hangup" not in harness.rest.names()  # the dialplan routes it, not a hang-up
    assert await ended(harness) == "error"
    assert isinstance(ended_event, CallEnded) and ended_event.reason == "error"


async def test_a_hung_store_is_given_up_within_the_time_out(harness: CallHarness) -> None:
    never = asyncio.Event()

    class HungCases:
        async def open_case(self, **_: object) -> None:
            await never.wait()

    steps: dict[CallState, CallStep] = {CallState.NEW: AnswerStep(HungCases(), "fr")}  # type: ignore[arg-type]
    session = await harness.session(steps)
    moved = await run_until_moved(harness, session)
    assert STORE_S <= moved < STORE_S + HEARD_WITHIN_S
    assert harness.rest.moved_to("c1") == [(LAST_RESORT_CONTEXT, "s")]
    assert await ended(harness) == "error"


async def test_a_refused_last_resort_hangs_up_rather_than_leave_silence(
    harness: CallHarness,
) -> None:
    harness.rest.refuse["continue"] = AriError("500 internal error")

    async def broken(call: CallSession) -> None:
        raise KeyError("a bug")

    session = await harness.session({CallState.NEW: broken})  # type: ignore[dict-item]
    await asyncio.wait_for(session.run(), WITHIN_S)
    assert harness.rest.names("c1")[-2:] == ["continue", "hangup"]
    assert await ended(harness) == "error"


@pytest.mark.parametrize("gone", [CallNotFound("c1"), AriConflict("409 not in Stasis")])
async def test_a_call_already_out_of_stasis_is_left_alone(
    harness: CallHarness, gone: Exception
) -> None:
    harness.rest.refuse["continue"] = gone

    async def broken(call: CallSession) -> None:
        raise ValueError("a bad value")

    session = await harness.session({CallState.NEW: broken})  # type: ignore[dict-item]
    await asyncio.wait_for(session.run(), WITHIN_S)
    assert "hangup" not in harness.rest.names()  # a caller moved elsewhere stays there
    assert await ended(harness) == "error"


async def test_an_unreadable_routing_mode_routes_by_the_hours(harness: CallHarness) -> None:
    async def bad_mode() -> Mode:
        return Mode("daylight")  # a value no version wrote: ValueError

    session = await answered(harness, {})
    await RouteStep(FLOW, bad_mode, lambda _queue: False).run(session)
    # nobody logged in: whatever the hours say, the voicebot takes the call
    assert session.record.state is CallState.VOICEBOT
    routed = [d for k, d in await harness.calls.events("c1") if k == "call.routed"]
    assert routed[0]["mode"] == "auto"


# --- the callback flow -----------------------------------------------------------------


def voice(tts: FakeTts, timeout_s: float = 0.3) -> Voice:
    pool = ThreadPoolExecutor(2)
    return Voice({"fr": tts, "en": tts}, pool, config=TtsConfig(timeout_s=timeout_s))


def callback_step(harness: CallHarness, tts: FakeTts, tmp_path: Path) -> CallbackStep:
    book = CallbackBook(harness.store, tz=ZoneInfo("Europe/Paris"))
    return CallbackStep(book, harness.cases, Summarizer(), voice(tts))


async def in_callback(harness: CallHarness, steps: dict[CallState, CallStep]) -> CallSession:
    session = await answered(harness, steps)
    await session.go(Voicebot(link_id="v1"))
    await session.go(Callback(link_id="l1", incident=True))
    return session


@pytest.mark.parametrize("hangs", [False, True], ids=["raises", "hangs"])
async def test_a_voice_that_fails_in_the_callback_flow_gets_the_last_resort(
    harness: CallHarness, gate: Gate, tmp_path: Path, hangs: bool
) -> None:
    tts = FailingTts(gate if hangs else None)
    steps: dict[CallState, CallStep] = {
        CallState.CALLBACK: callback_step(harness, tts, tmp_path),
        CallState.HANGING_UP: HangUpStep(),
    }
    session = await in_callback(harness, steps)
    moved = await run_until_moved(harness, session)

    assert tts.spoken and "excuser" in tts.spoken[0][0]  # the apology it tried to say
    assert moved < HEARD_WITHIN_S  # the recorded apology instead, at once (or at 0.3 s)
    assert harness.rest.moved_to("c1") == [(LAST_RESORT_CONTEXT, "s")]
    assert harness.links.made[0].closed.is_set()  # no media left behind
    assert await ended(harness) == "error"


@pytest.mark.parametrize("hangs", [False, True], ids=["raises", "hangs"])
async def test_a_failed_booking_is_said_never_claimed(
    harness: CallHarness, tmp_path: Path, hangs: bool
) -> None:
    tts = FakeTts()
    step = callback_step(harness, tts, tmp_path)
    never = asyncio.Event()

    async def book(*_: object, **__: object) -> CallbackRecord:
        if hangs:
            await never.wait()
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))

    step.callbacks.book_callback = book  # type: ignore[method-assign]
    steps: dict[CallState, CallStep] = {
        CallState.CALLBACK: step,
        CallState.HANGING_UP: HangUpStep(),
    }
    session = await in_callback(harness, steps)
    running = asyncio.ensure_future(session.run())
    link = await harness.links.next(WITHIN_S)
    await asyncio.wait_for(link.audio.wait(), WITHIN_S)  # the apology, then the number
    session.deliver(dtmf("c1", "1"))  # type: ignore[arg-type]  # yes, that number
    await harness.rest.wait_for(lambda: "hangup" in harness.rest.names(), WITHIN_S)
    session.deliver(stasis_end("c1"))  # type: ignore[arg-type]
    await asyncio.wait_for(running, WITHIN_S)

    said = [text for text, _ in tts.spoken]
    assert any("pas pu enregistrer" in text for text in said), said
    assert not any("référence" in text for text in said)  # never "booked"
    assert harness.rest.moved_to("c1") == []  # said in the call's voice: hung up after
    assert await ended(harness) == "error"
    with harness.store.engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM callbacks")).scalar_one() == 0


# --- the voicebot ----------------------------------------------------------------------


def speech(seconds: float) -> list[bytes]:
    n = int(seconds * 50)
    return [float_to_pcm16(RNG.uniform(-0.5, 0.5, RATE // 50).astype(np.float32)) for _ in range(n)]


def silence(seconds: float) -> list[bytes]:
    return [bytes(2 * RATE // 50)] * int(seconds * 50)


def pipelines(engines: FakeEngines, config: VoicebotConfig, *, greet: bool):  # type: ignore[no-untyped-def]
    def make(
        *,
        sample_rate: int,
        lang: Lang | None,
        humans_available: bool,
        on_event: Callable[[Frame], None],
    ) -> VoicebotPipeline:
        return VoicebotPipeline.voicebot(
            engines,
            fake_knowledge(),
            config,
            sample_rate=sample_rate,
            lang=lang,
            greet=greet,
            paced=False,
            humans_available=humans_available,
            confirm_callback=True,
            silence_timeout_s=0,
            on_event=on_event,
        )

    return make


def engine_config(tmp_path: Path, **limits: float) -> VoicebotConfig:
    settings = Settings(
        home=tmp_path,
        asr_timeout_s=limits.get("asr", 0.3),
        tts_timeout_s=limits.get("tts", 0.3),
        knowledge_timeout_s=limits.get("kb", 0.3),
    )
    return VoicebotConfig.from_settings(settings)


async def bot_says(events: EventStream, words: str | None, within_s: float) -> Event:
    """The next bot turn with ``words`` in it (None: the next hand-over)."""
    async with asyncio.timeout(within_s):
        async for seen in events:
            if words is None and isinstance(seen, HandedOver):
                return seen
            bot = isinstance(seen, TurnTranscribed) and seen.speaker == "bot"
            if words and bot and words in seen.text:  # type: ignore[attr-defined]
                return seen
    raise AssertionError("the event stream ended")


async def in_voicebot(harness: CallHarness, steps: dict[CallState, CallStep]) -> CallSession:
    session = await answered(harness, steps)
    await session.go(Voicebot(link_id="v1"))
    return session


@pytest.mark.parametrize("hangs", [False, True], ids=["raises", "hangs"])
async def test_an_asr_that_fails_is_heard_as_not_understood_then_the_call_is_handed_over(
    harness: CallHarness, gate: Gate, tmp_path: Path, hangs: bool
) -> None:
    engines = FakeEngines(FailingAsr(gate if hangs else None))
    tts = engines.tts["fr"]
    assert isinstance(tts, FakeTts)
    free = {"reception"}
    hand_over = HandOver(FLOW, ["reception"], free.__contains__)
    steps: dict[CallState, CallStep] = {
        CallState.VOICEBOT: VoicebotStep(
            pipelines(engines, engine_config(tmp_path), greet=True),
            harness.cases,
            harness.bus,
            hand_over,
        ),
        CallState.TRANSFERRING: QueueStep(harness.cases, Summarizer()),
    }
    session = await in_voicebot(harness, steps)
    try:
        async with harness.bus.subscribe(types=(HandedOver, TurnTranscribed)) as events:
            running = asyncio.ensure_future(session.run())
            link = await harness.links.next(WITHIN_S)
            await bot_says(events, "Posez-moi votre question", WITHIN_S)  # it listens
            heard_before = len(link.sent)
            for pcm in speech(0.8) + silence(0.6):
                link.caller(pcm)
            # the first failed turn: the caller is asked to repeat, in the bot's voice
            await bot_says(events, "pas bien entendu", HEARD_WITHIN_S)
            assert len(link.sent) > heard_before  # and it was sent down the line
            for pcm in speech(0.8) + silence(0.6):
                link.caller(pcm)
            # the second: the bot cannot hear; a person can (reception is free)
            over = await bot_says(events, None, WITHIN_S)  # no words: a hand-over
            await harness.rest.wait_for(lambda: bool(harness.rest.moved_to("c1")), WITHIN_S)
            session.deliver(stasis_end("c1"))  # type: ignore[arg-type]
            await asyncio.wait_for(running, WITHIN_S)
    finally:
        engines.close()
    assert harness.rest.moved_to("c1") == [(QUEUE_CONTEXT, "reception")]
    assert isinstance(over, HandedOver) and over.reason == "asr_failed"
    assert await ended(harness) == "to_queue"


@pytest.mark.parametrize("agents", [True, False], ids=["to-reception", "nobody"])
async def test_a_voice_lost_mid_call_goes_to_people_or_to_the_last_resort(
    harness: CallHarness, tmp_path: Path, agents: bool
) -> None:
    engines = FakeEngines(FakeAsr())
    engines.tts = {"fr": FailingTts(), "en": FailingTts()}
    free = {"reception"} if agents else set()
    hand_over = HandOver(FLOW, ["reception"], free.__contains__)
    steps: dict[CallState, CallStep] = {
        CallState.VOICEBOT: VoicebotStep(
            pipelines(engines, engine_config(tmp_path), greet=True),
            harness.cases,
            harness.bus,
            hand_over,
        ),
        CallState.TRANSFERRING: QueueStep(harness.cases, Summarizer()),
    }
    session = await in_voicebot(harness, steps)
    try:
        moved = await run_until_moved(harness, session)
    finally:
        engines.close()
    assert moved < HEARD_WITHIN_S  # the greeting failed at once: nobody waits for it
    if agents:
        assert harness.rest.moved_to("c1") == [(QUEUE_CONTEXT, "reception")]
        assert await ended(harness) == "to_queue"
    else:  # the callback flow would need the voice that failed
        assert harness.rest.moved_to("c1") == [(LAST_RESORT_CONTEXT, "s")]
        assert await ended(harness) == "error"
        record = await harness.calls.get("c1")
        assert record is not None
        case = (await harness.cases.get_case(record.facts.case_id)).case
        assert case.outcome is Outcome.ABANDONED


async def test_a_stuck_store_does_not_hold_the_caller_at_the_hand_over(
    harness: CallHarness, tmp_path: Path
) -> None:
    """The conversation's turns go to the case in the background; when the store is
    stuck, the hand-over waits for them no longer than the store time-out."""
    never = asyncio.Event()

    class StuckTurns(CaseRepository):
        async def add_turn(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            await never.wait()

    engines = FakeEngines(FakeAsr())
    free = {"reception"}
    cases = StuckTurns(harness.store)
    steps: dict[CallState, CallStep] = {
        CallState.VOICEBOT: VoicebotStep(
            pipelines(engines, engine_config(tmp_path), greet=True),
            cases,
            harness.bus,
            HandOver(FLOW, ["reception"], free.__contains__),
        ),
        CallState.TRANSFERRING: QueueStep(cases, Summarizer()),
    }
    session = await answered(harness, steps)
    await session.go(Voicebot(link_id="v1", desk_open=True))
    try:
        running = asyncio.ensure_future(session.run())
        link = await harness.links.next(WITHIN_S)
        await asyncio.wait_for(link.audio.wait(), WITHIN_S)  # the greeting: it listens
        pressed = time.perf_counter()
        session.deliver(dtmf("c1", "0"))  # type: ignore[arg-type]  # a person, please
        await harness.rest.wait_for(lambda: bool(harness.rest.moved_to("c1")), WITHIN_S)
        waited = time.perf_counter() - pressed
        session.deliver(stasis_end("c1"))  # type: ignore[arg-type]
        await asyncio.wait_for(running, WITHIN_S)
    finally:
        engines.close()
    assert harness.rest.moved_to("c1") == [(QUEUE_CONTEXT, "reception")]
    assert waited < STORE_S + HEARD_WITHIN_S  # not the 10 s a healthy store may take


async def test_a_hung_summary_gives_way_to_the_template(harness: CallHarness) -> None:
    never = asyncio.Event()

    class HungLlm(Summarizer):
        async def summarize(self, case_file: CaseFile) -> Summary:
            await never.wait()
            raise AssertionError

    steps: dict[CallState, CallStep] = {CallState.TRANSFERRING: QueueStep(harness.cases, HungLlm())}
    session = await in_voicebot(harness, {})
    session.steps = steps
    await session.go(Transferring(queue="reception"))
    moved = await run_until_moved(harness, session)
    assert STORE_S <= moved < STORE_S + HEARD_WITHIN_S
    assert harness.rest.moved_to("c1") == [(QUEUE_CONTEXT, "reception")]
    case = (await harness.cases.get_case(session.case_id)).case
    assert case.summary and "Numéro" in case.summary  # the template's lines


# --- the controller --------------------------------------------------------------------


def stasis_start(channel_id: str, number: str = "0612345678") -> AriEvent:
    return event(
        {
            "type": "StasisStart",
            "channel": {
                "id": channel_id,
                "name": f"PJSIP/trunk-{channel_id}",
                "state": "Ring",
                "caller": {"name": "", "number": number},
                "dialplan": {"exten": "3000"},
                "language": "fr",
            },
            "args": [],
        }
    )


class Taken:
    """A NEW step that notes the calls it got, then leaves them (hung up)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.changed = asyncio.Event()

    async def run(self, call: CallSession) -> None:
        self.calls.append(call.call_id)
        self.changed.set()
        raise CallNotFound(call.call_id)


def controller(harness: CallHarness, calls: CallRepository, taken: Taken) -> CallController:
    return CallController(
        ari=AriConnection("http://127.0.0.1:9", "guichet", "u", "p"),
        rest=harness.rest,  # type: ignore[arg-type]
        calls=calls,
        cases=harness.cases,
        bus=harness.bus,
        steps={CallState.NEW: taken},
        timeouts=harness.timeouts,
    )


@pytest.mark.parametrize("fault", ["raises", "hangs"])
async def test_a_call_that_cannot_be_saved_does_not_stop_the_others(
    harness: CallHarness, fault: str
) -> None:
    never = asyncio.Event()

    class Calls(CallRepository):
        async def create(self, call_id: str, caller: str, called: str, language: str):  # type: ignore[no-untyped-def]
            if call_id == "bad" and fault == "hangs":
                await never.wait()
            return await super().create(call_id, caller, called, language)

    if fault == "raises":
        trigger(harness, "calls", "NEW.id = 'bad'")
    taken = Taken()
    ctl = controller(harness, Calls(harness.store), taken)
    try:
        started = time.perf_counter()
        await ctl.on_event(stasis_start("bad"))  # must not raise: the loop goes on
        moved = time.perf_counter() - started
        await ctl.on_event(stasis_start("good"))
        async with asyncio.timeout(WITHIN_S):
            while "good" not in taken.calls:
                taken.changed.clear()
                await taken.changed.wait()
    finally:
        await ctl.aclose()
    assert moved < HEARD_WITHIN_S
    assert harness.rest.moved_to("bad") == [(LAST_RESORT_CONTEXT, "s")]
    assert taken.calls == ["good"]
    assert await harness.calls.get("good") is not None


async def test_resync_takes_back_the_calls_it_can(harness: CallHarness) -> None:
    """After a reconnect, one channel whose row cannot be saved does not keep the
    others from being taken back (nor crash the connection)."""

    class Rest(FakeRest):
        async def application_channel_ids(self, app: str) -> list[str]:
            await self._do("application_channel_ids", app)
            return ["bad", "good"]

        async def get_channel(self, channel_id: str):  # type: ignore[no-untyped-def]
            await self._do("get_channel", channel_id)
            return channel(channel_id)

    harness.rest = Rest()
    trigger(harness, "calls", "NEW.id = 'bad'")
    taken = Taken()
    ctl = controller(harness, harness.calls, taken)
    try:
        await ctl.on_connected()
        async with asyncio.timeout(WITHIN_S):
            while "good" not in taken.calls:
                taken.changed.clear()
                await taken.changed.wait()
    finally:
        await ctl.aclose()
    assert harness.rest.moved_to("bad") == [(LAST_RESORT_CONTEXT, "s")]


# --- what Asterisk hands over ----------------------------------------------------------

CALLER_IDS = [
    "+33612345678",
    "0" * 10_000,  # PJSIP puts no bound on the From user
    "anonymous",
    "06\x0012",  # NUL: PostgreSQL refuses it in text
    "\ud800 surrogate",  # not UTF-8
    "☎️ Mairie <sip:x@y>; DROP TABLE calls;--",
    "",
]


@pytest.mark.parametrize("caller", CALLER_IDS, ids=range(len(CALLER_IDS)))
async def test_caller_ids_of_any_length_and_content_are_stored(store_url: str, caller: str) -> None:
    store = open_store(store_url)
    try:
        calls = CallRepository(store)
        record = await calls.create("1732901234.42", caller, "3000", "fr")
        again = await calls.get("1732901234.42")
        assert again is not None and again.caller == record.caller
        if caller and "\x00" not in caller and "\ud800" not in caller:
            assert again.caller == caller  # as it came
        elif caller:
            assert again.caller and "\x00" not in again.caller
    finally:
        store.close()
