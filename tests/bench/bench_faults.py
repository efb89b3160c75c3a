"""Fault-injection benchmark (not a test): for each fault injected on a call's path,
the time from the fault to the caller hearing something, the calls left stuck, and
whether another call at the same time was still served. Writes ``faults.json``
under ``--out``.

    .venv/bin/python tests/bench/bench_faults.py --out bench-results [--trials 5]

Method
------
The whole call side runs in this process as ``guichet controller run`` wires it
(``CallController``, its sessions, the real steps, the voicebot pipeline, the callback
and queue steps, the case file on a real SQLite store), with the real engines
(Whisper base, espeak-ng/MBROLA, the demo knowledge base) and the settings' default
time-outs. Asterisk is replaced at the ARI boundary (``tests/support/call_fakes``):
a StasisStart starts each call, the media link records what is sent to the caller,
DTMF and StasisEnd arrive as ARI events, and a channel sent to the dialplan or hung
up leaves Stasis at once. So what is timed is Guichet's reaction; Asterisk then plays
a recorded prompt at once (``tests/integration/test_faults.py`` measures that part on
the real stack: the apology's first packet within 2 s of the call's answer).

Each trial places two calls together: the faulty one and a healthy companion asking a
question on the same engines (same executors). A fault is armed for the faulty call
only (its own engine wrappers, its case, its channel id), and its time is taken when
the faulty operation is entered. The caller "hears something" at the first of: a
frame of speech sent down its media link (not silence), or its channel sent to the
dialplan (the last resort's recorded apology, or a queue's hold prompt: both play at
once). Stuck: nothing heard within 10 s of the fault, or the call not ended within
20 s. Served: the companion got its question answered from a card. Hung engine
threads are released at the end of each trial (a real hang would keep its worker).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from guichet.bus import InMemoryBus  # noqa: E402
from guichet.casefile.callbacks import CallbackBook  # noqa: E402
from guichet.casefile.records import CallbackRecord, CaseFile  # noqa: E402
from guichet.casefile.repository import CaseRepository  # noqa: E402
from guichet.casefile.summary import Summarizer, Summary  # noqa: E402
from guichet.events import CallEnded, CardProposed, TurnTranscribed  # noqa: E402
from guichet.settings import Settings  # noqa: E402
from guichet.store import Store, open_store  # noqa: E402
from ivr_flows.decision import Mode  # noqa: E402
from ivr_flows.loader import load_flow_for  # noqa: E402
from pbx.ari.events import AriEvent, parse_event  # noqa: E402
from pbx.callbacks import CallbackStep  # noqa: E402
from pbx.calls import (  # noqa: E402
    LAST_RESORT_CONTEXT,
    AnswerStep,
    AriConnection,
    CallController,
    CallRepository,
    CallState,
    CallStep,
    CallTimeouts,
    HangUpStep,
    RouteStep,
)
from pbx.queues import HandOver, QueueStep  # noqa: E402
from pbx.voicebot_call import VoicebotStep  # noqa: E402
from tests.bench.bench_live_calls import ingest_kb, stats  # noqa: E402
from tests.integration.stack import shared_models_dir  # noqa: E402
from tests.support.call_fakes import FakeLink, FakeRest  # noqa: E402
from tests.support.machine import machine  # noqa: E402
from tests.support.speech import caller_sentence  # noqa: E402
from voicebot import (  # noqa: E402
    Frame,
    Knowledge,
    KnowledgeAnswer,
    Lang,
    Voice,
    VoicebotConfig,
    VoicebotPipeline,
    open_knowledge,
    shared_engines,
)
from voicebot.audio import Float32Array, float_to_pcm16  # noqa: E402
from voicebot.engines.asr import AsrEngine, AsrResult  # noqa: E402
from voicebot.engines.tts import TtsEngine  # noqa: E402
from voicebot.stages.output import Pacer  # noqa: E402

RATE = 8000
FRAME_S = 0.02
HEARD_LIMIT_S = 10.0  # nothing heard this long after the fault: stuck
END_LIMIT_S = 20.0  # not ended this long after the fault: stuck
P95_LIMIT_S = 2.0
QUESTION = "Quels sont les horaires d'ouverture de la mairie ?"
FAULTY, COMPANION = "faulty", "companion"


# --- faults ------------------------------------------------------------------------------


class Fault:
    """One injected fault: raise, or hang until the trial ends. ``at``: when the
    faulty operation was entered (perf_counter)."""

    def __init__(self, hang: bool) -> None:
        self.hang = hang
        self.at: float | None = None
        self.released = threading.Event()  # lets hung threads go at the trial's end
        self._released_async = asyncio.Event()

    def hit(self) -> None:
        """In an engine's thread."""
        if self.at is None:
            self.at = time.perf_counter()
        if self.hang:
            self.released.wait(60)
        raise RuntimeError("injected fault")

    async def hit_async(self) -> None:
        """In the event loop (the store, the booking, the summary)."""
        if self.at is None:
            self.at = time.perf_counter()
        if self.hang:
            await self._released_async.wait()
        raise sa.exc.OperationalError("injected", {}, Exception("injected fault"))

    def release(self) -> None:
        self.released.set()
        self._released_async.set()


class FaultyAsr:
    def __init__(self, inner: AsrEngine, fault: Fault | None) -> None:
        self.inner = inner
        self.fault = fault
        self.capabilities = inner.capabilities

    def transcribe(self, audio16k: Float32Array, lang: Lang | None) -> AsrResult:
        if self.fault is not None:
            self.fault.hit()
        return self.inner.transcribe(audio16k, lang)


class FaultyTts:
    """Fails from the ``after``-th sentence on (0: the first)."""

    def __init__(self, inner: TtsEngine, fault: Fault | None, after: int = 0) -> None:
        self.inner = inner
        self.fault = fault
        self.after = after
        self.capabilities = inner.capabilities
        self.count = 0

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        self.count += 1
        if self.fault is not None and self.count > self.after:
            self.fault.hit()
        return self.inner.synthesize(text, lang)


class FaultyKnowledge:
    def __init__(self, inner: Knowledge, fault: Fault | None) -> None:
        self.inner = inner
        self.fault = fault

    def answer(self, question: str, lang: str) -> KnowledgeAnswer:
        if self.fault is not None:
            self.fault.hit()
        return self.inner.answer(question, lang)


@dataclass
class CallEngines:
    """One call's engines: the process's own, wrapped, on the shared executors."""

    asr: Any
    tts: dict[Lang, Any]
    vad_factory: Callable[[], Any]
    asr_pool: Executor
    tts_pool: Executor
    kb_pool: Executor


# --- Asterisk at the ARI boundary ------------------------------------------------------


@dataclass
class TimedLink(FakeLink):
    """A media link noting when speech (not silence) was sent to the caller."""

    speech_at: list[float] = field(default_factory=list)
    on_speech: Callable[[], None] = lambda: None

    async def send(self, pcm: bytes) -> None:
        await super().send(pcm)
        if any(pcm):
            self.speech_at.append(time.perf_counter())
            self.on_speech()


class Rest(FakeRest):
    """ARI's REST: notes when each channel was sent to the dialplan, and makes a
    channel sent away (or hung up) leave Stasis, as Asterisk does."""

    def __init__(self, on_moved: Callable[[str], None]) -> None:
        super().__init__()
        self.moved_at: dict[str, tuple[float, str, str]] = {}
        self.on_moved = on_moved
        self.controller: CallController | None = None
        self._leaving: set[asyncio.Task[None]] = set()

    async def continue_in_dialplan(
        self, channel_id: str, context: str, extension: str, priority: int = 1
    ) -> None:
        await super().continue_in_dialplan(channel_id, context, extension, priority)
        self.moved_at.setdefault(channel_id, (time.perf_counter(), context, extension))
        self.on_moved(channel_id)
        self._leave(channel_id)

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await super().hangup(channel_id, reason)
        self._leave(channel_id)

    def _leave(self, channel_id: str) -> None:
        if self.controller is None or channel_id.startswith("guichet-media-"):
            return
        task = asyncio.ensure_future(self.controller.on_event(stasis_end(channel_id)))
        self._leaving.add(task)
        task.add_done_callback(self._leaving.discard)


class CallLinks:
    """The link factory: each call's links, and a way to wait for the next one."""

    def __init__(self, fail_open: set[str], on_speech: Callable[[str], None], fault: Fault) -> None:
        self.by_call: dict[str, list[TimedLink]] = {}
        self.fail_open = fail_open
        self.on_speech = on_speech
        self.fault = fault
        self.opened_at: dict[str, float] = {}
        self._changed = asyncio.Event()

    def __call__(
        self, call_id: str, link_id: str, on_audio: Callable[[bytes], None]
    ) -> tuple[FakeLink, asyncio.Future[None]]:
        fails = call_id in self.fail_open
        if fails and self.fault.at is None:
            self.fault.at = time.perf_counter()  # its media channel will never come up
        link = TimedLink(on_audio, fail_open=fails, on_speech=lambda: self.on_speech(call_id))
        self.by_call.setdefault(call_id, []).append(link)
        self.opened_at.setdefault(call_id, time.perf_counter())
        self._changed.set()
        entered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entered.set_result(None)
        return link, entered

    async def link_of(self, call_id: str, index: int, within_s: float) -> TimedLink:
        async with asyncio.timeout(within_s):
            while len(self.by_call.get(call_id, [])) <= index:
                self._changed.clear()
                await self._changed.wait()
        return self.by_call[call_id][index]


async def bot_says(bus: InMemoryBus, call_id: str, words: str, within_s: float) -> None:
    """Until the bot has said ``words`` on that call (its turn is on the bus)."""
    async with asyncio.timeout(within_s), bus.subscribe(types=(TurnTranscribed,)) as events:
        async for seen in events:
            if (
                isinstance(seen, TurnTranscribed)
                and seen.call_id == call_id
                and seen.speaker == "bot"
                and words in seen.text
            ):
                return


def event(raw: dict[str, Any]) -> AriEvent:
    return parse_event({"application": "guichet", **raw})


def stasis_start(channel_id: str, number: str) -> AriEvent:
    return event(
        {
            "type": "StasisStart",
            "channel": {
                "id": channel_id,
                "caller": {"number": number},
                "dialplan": {"exten": "3000"},
                "language": "fr",
            },
            "args": [],
        }
    )


def stasis_end(channel_id: str) -> AriEvent:
    return event({"type": "StasisEnd", "channel": {"id": channel_id}})


def dtmf(channel_id: str, digit: str) -> AriEvent:
    return event(
        {
            "type": "ChannelDtmfReceived",
            "channel": {"id": channel_id},
            "digit": digit,
            "duration_ms": 120,
        }
    )


# --- the scenarios ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    where: str  # what fails
    hang: bool
    caller: str  # "asks": speaks the question; "keys": 0 then 1 (a callback); "transfer": 0
    desk_open: bool = False  # a reception agent is free (hand-overs go to the queue)
    expect: str = ""  # what the caller should get (for the report)


SCENARIOS = [
    Scenario("stasis_store_error", "calls.create", False, "asks", expect="last resort"),
    Scenario("open_case_store_error", "cases.open", False, "asks", expect="last resort"),
    Scenario("open_case_store_hang", "cases.open", True, "asks", expect="last resort"),
    Scenario("media_link_fails", "link.open", False, "asks", expect="last resort"),
    Scenario("asr_error", "asr", False, "asks", expect="'not understood' prompt"),
    Scenario("asr_hang", "asr", True, "asks", expect="'not understood' prompt"),
    Scenario("knowledge_error", "knowledge", False, "asks", expect="abstention, offer"),
    Scenario("knowledge_hang", "knowledge", True, "asks", expect="abstention, offer"),
    Scenario("tts_error_voicebot", "tts", False, "asks", expect="last resort"),
    Scenario("tts_hang_voicebot", "tts", True, "asks", expect="last resort"),
    Scenario("tts_error_voicebot_desk_open", "tts", False, "asks", True, "reception queue"),
    Scenario("tts_error_callback", "tts.callback", False, "keys", expect="last resort"),
    Scenario("tts_hang_callback", "tts.callback", True, "keys", expect="last resort"),
    Scenario("booking_error", "booking", False, "keys", expect="'not booked' said"),
    Scenario("booking_hang", "booking", True, "keys", expect="'not booked' said"),
    Scenario("summary_hang", "summary", True, "transfer", True, "reception queue"),
]


@dataclass
class Trial:
    scenario: str
    heard_after_s: float | None = None
    how_heard: str = ""
    stuck: str | None = None
    end_reason: str | None = None
    companion_served: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


class Rig:
    """What lives across trials: the store, the engines, the knowledge, the audio."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.settings = Settings(home=work / "home", models_dir=shared_models_dir())
        self.settings.home_dir.mkdir(parents=True, exist_ok=True)
        self.store: Store = open_store(self.settings.store_url)
        self.engines = shared_engines(self.settings)
        self.knowledge = open_knowledge(ingest_kb(work / "kb"), self.settings)
        self.config = VoicebotConfig.from_settings(self.settings)
        self.flow = load_flow_for(self.settings)
        samples = caller_sentence(QUESTION, work / "q.wav")
        step = RATE // 50
        self.question = [
            float_to_pcm16(samples[i : i + step]) for i in range(0, len(samples), step)
        ]
        self.callback_pool = ThreadPoolExecutor(2, thread_name_prefix="cb-tts")

    def close(self) -> None:
        self.store.close()
        self.callback_pool.shutdown(wait=False, cancel_futures=True)


async def first_of(*waits: Awaitable[Any], within_s: float) -> None:
    """Until the first of ``waits`` is done (TimeoutError after ``within_s``)."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        done, _ = await asyncio.wait(tasks, timeout=within_s, return_when="FIRST_COMPLETED")
        if not done:
            raise TimeoutError
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def speak(link: FakeLink, frames: list[bytes], then_silence_s: float = 1.2) -> None:
    """The caller's microphone, at the pace of real time."""
    pacer = Pacer()
    silence = bytes(2 * RATE // 50)
    for pcm in [*frames, *[silence] * int(then_silence_s / FRAME_S)]:
        if link.closed.is_set():
            return
        link.caller(pcm[: 2 * RATE // 50].ljust(2 * RATE // 50, b"\0"))
        await pacer.wait(FRAME_S)


async def trial(rig: Rig, scenario: Scenario, index: int) -> Trial:
    fault = Fault(scenario.hang)
    faulty, companion = f"{FAULTY}-{scenario.name}-{index}", f"{COMPANION}-{scenario.name}-{index}"
    where = scenario.where
    bus = InMemoryBus()
    heard = asyncio.Event()  # the faulty call's caller heard something after the fault

    def noticed(call_id: str) -> None:
        if call_id == faulty and fault.at is not None:
            heard.set()

    rest = Rest(noticed)
    links = CallLinks({faulty} if where == "link.open" else set(), noticed, fault)
    timeouts = CallTimeouts.from_settings(rig.settings)
    calls = Calls(rig.store, faulty, fault if where == "calls.create" else None)
    cases = Cases(rig.store, faulty, fault if where == "cases.open" else None)

    def engines_for(call_id: str) -> CallEngines:
        mine = call_id == faulty
        e = rig.engines
        return CallEngines(
            asr=FaultyAsr(e.asr, fault if mine and where == "asr" else None),
            tts={
                lang: FaultyTts(engine, fault if mine and where == "tts" else None)
                for lang, engine in e.tts.items()
            },
            vad_factory=e.vad_factory,
            asr_pool=e.asr_pool,
            tts_pool=e.tts_pool,
            kb_pool=e.kb_pool,
        )

    def pipelines(call_id: str) -> Any:
        def make(
            *,
            sample_rate: int,
            lang: Lang | None,
            humans_available: bool,
            on_event: Callable[[Frame], None],
        ) -> VoicebotPipeline:
            mine = call_id == faulty
            knowledge = FaultyKnowledge(
                rig.knowledge, fault if mine and where == "knowledge" else None
            )
            return VoicebotPipeline.voicebot(
                engines_for(call_id),
                knowledge,
                rig.config,
                sample_rate=sample_rate,
                lang=lang,
                greet=True,
                humans_available=humans_available,
                confirm_callback=True,
                on_event=on_event,
            )

        return make

    async def mode() -> Mode:
        # day with nobody logged in when the call comes: the voicebot, offering a person
        return Mode.DAY if scenario.desk_open else Mode.NIGHT

    # desk open: a reception agent has logged in by the time the call is handed over
    desk = {"reception"} if scenario.desk_open else set()
    hand_over = HandOver(rig.flow, rig.settings.queues, desk.__contains__)
    book = Booking(rig.store, rig.settings, faulty, fault if where == "booking" else None)
    summarizer = Summaries(faulty, fault if where == "summary" else None)
    callback_tts = {
        lang: FaultyTts(engine, fault if where == "tts.callback" else None)
        for lang, engine in rig.engines.tts.items()
    }
    # one VoicebotStep per call, so that each call gets its own engine wrappers
    voicebot = PerCall(
        {cid: VoicebotStep(pipelines(cid), cases, bus, hand_over) for cid in (faulty, companion)}
    )
    callback = PerCall(
        {
            faulty: CallbackStep(
                book,  # type: ignore[arg-type]
                cases,
                summarizer,
                Voice(callback_tts, rig.callback_pool, config=rig.config.tts),
            ),
            companion: CallbackStep(
                book,  # type: ignore[arg-type]
                cases,
                summarizer,
                Voice(rig.engines.tts, rig.callback_pool, config=rig.config.tts),
            ),
        }
    )
    steps: dict[CallState, CallStep] = {
        CallState.NEW: AnswerStep(cases, "fr"),
        CallState.ANSWERED: RouteStep(rig.flow, mode, lambda _queue: False),
        CallState.VOICEBOT: voicebot,
        CallState.CALLBACK: callback,
        CallState.TRANSFERRING: QueueStep(cases, summarizer),
        CallState.HANGING_UP: HangUpStep(),
    }
    controller = CallController(
        ari=AriConnection("http://127.0.0.1:9", "guichet", "u", "p"),
        rest=rest,  # type: ignore[arg-type]
        calls=calls,
        cases=cases,
        bus=bus,
        steps=steps,
        timeouts=timeouts,
    )
    controller._link = links  # type: ignore[method-assign,assignment]  # the media: the fake's
    rest.controller = controller
    result = Trial(scenario.name)
    ended: dict[str, str] = {}
    served = asyncio.Event()
    faulty_ended = asyncio.Event()
    subscribed = asyncio.Event()

    async def watch() -> None:
        async with bus.subscribe(types=(CallEnded, CardProposed)) as events:
            subscribed.set()
            async for seen in events:
                if isinstance(seen, CallEnded):
                    ended[seen.call_id] = seen.reason
                    if seen.call_id == faulty:
                        faulty_ended.set()
                elif isinstance(seen, CardProposed) and seen.call_id == companion:
                    served.set()

    async def drive(call_id: str, role: str) -> None:
        await controller.on_event(stasis_start(call_id, "0612345678"))
        with contextlib.suppress(TimeoutError):
            link = await links.link_of(call_id, 0, 10)
            # the greeting: the bot listens (or the link closed: the call moved on)
            await first_of(link.audio.wait(), link.closed.wait(), within_s=10)
            if role in ("asks", "companion"):
                await speak(link, rig.question)
            elif role == "keys":  # a person, please (nobody: a callback), yes
                await controller.on_event(dtmf(call_id, "0"))
                await bot_says(bus, call_id, "rappelle", 10)  # the offer
                await controller.on_event(dtmf(call_id, "1"))
                callback_link = await links.link_of(call_id, 1, 10)
                await asyncio.wait_for(callback_link.audio.wait(), 10)  # "sorry"/confirm
                await controller.on_event(dtmf(call_id, "1"))  # the number is right
            elif role == "transfer":
                await controller.on_event(dtmf(call_id, "0"))
        if role == "companion":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(served.wait(), 15)
            await controller.on_event(stasis_end(call_id))  # the caller hangs up
            return
        # the faulty call's caller, once they heard something (or gave up waiting),
        # lets the call end by itself for a while (a failed booking is said, then hung
        # up), then hangs up: a call that then does not end is stuck on what failed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(heard.wait(), HEARD_LIMIT_S + 10)
        if call_id in rest.moved_at:
            return  # in the dialplan now: it has left Stasis (and the controller)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(faulty_ended.wait(), 10)
        if call_id not in rest.moved_at and not faulty_ended.is_set():
            await controller.on_event(stasis_end(call_id))

    watcher = asyncio.ensure_future(watch())
    await asyncio.wait_for(subscribed.wait(), 5)  # before the calls start
    drivers = [
        asyncio.ensure_future(drive(faulty, scenario.caller)),
        asyncio.ensure_future(drive(companion, "companion")),
    ]
    try:
        async with asyncio.timeout(END_LIMIT_S + 20):
            await asyncio.gather(*drivers, return_exceptions=True)
            if faulty in controller.sessions or faulty not in rest.moved_at:
                # (a call the controller could not take has no session to end)
                try:
                    await asyncio.wait_for(faulty_ended.wait(), END_LIMIT_S)
                except TimeoutError:
                    result.stuck = "the call did not end after the caller hung up"
    except TimeoutError:
        result.stuck = "the trial did not finish"
    finally:
        fault.release()
        for task in drivers:
            task.cancel()
        await asyncio.gather(*drivers, return_exceptions=True)
        await controller.aclose()
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    judge(result, fault, rest, links, faulty, ended, served.is_set())
    return result


def judge(
    result: Trial,
    fault: Fault,
    rest: Rest,
    links: CallLinks,
    faulty: str,
    ended: dict[str, str],
    served: bool,
) -> None:
    result.end_reason = ended.get(faulty)
    if result.end_reason is None and faulty in rest.moved_at:
        result.end_reason = "error (never taken: no session)"
    result.companion_served = served
    if fault.at is None:
        result.stuck = result.stuck or "the fault was never reached"
        return
    heard: list[tuple[float, str]] = []
    for link in links.by_call.get(faulty, []):
        heard += [(t, "speech") for t in link.speech_at if t >= fault.at]
    if faulty in rest.moved_at:
        at, context, extension = rest.moved_at[faulty]
        how = "last resort" if context == LAST_RESORT_CONTEXT else f"queue {extension}"
        if at >= fault.at:
            heard.append((at, how))
    if heard:
        at, how = min(heard)
        result.heard_after_s = round(at - fault.at, 3)
        result.how_heard = how
    if result.heard_after_s is None or result.heard_after_s > HEARD_LIMIT_S:
        result.stuck = result.stuck or "nothing heard"
    elif result.end_reason is None:
        result.stuck = result.stuck or "the call did not end"
    result.detail = {"requests": rest.names(faulty)}


# --- the call side's parts, with the faulty call's faults ------------------------------


class PerCall:
    """A state's step per call (each call its own engine wrappers)."""

    def __init__(self, steps: dict[str, Any]) -> None:
        self.steps = steps

    async def run(self, call: Any) -> None:
        await self.steps[call.call_id].run(call)


class Calls(CallRepository):
    def __init__(self, store: Store, faulty: str, fault: Fault | None) -> None:
        super().__init__(store)
        self.faulty, self.fault = faulty, fault

    async def create(self, call_id: str, caller: str, called: str, language: str) -> Any:
        if self.fault is not None and call_id == self.faulty:
            await self.fault.hit_async()
        return await super().create(call_id, caller, called, language)


class Cases(CaseRepository):
    def __init__(self, store: Store, faulty: str, fault: Fault | None) -> None:
        super().__init__(store)
        self.faulty, self.fault = faulty, fault

    async def open_case(self, **kwargs: Any) -> Any:
        if self.fault is not None and kwargs.get("call_id") == self.faulty:
            await self.fault.hit_async()
        return await super().open_case(**kwargs)


class Booking:
    """The callback book, its booking failing for the faulty call."""

    def __init__(self, store: Store, settings: Settings, faulty: str, fault: Fault | None) -> None:
        self.book = CallbackBook.from_settings(store, settings)
        self.faulty, self.fault = faulty, fault
        self.cases = CaseRepository(store)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.book, name)

    async def book_callback(self, case_id: str, number: str, **kwargs: Any) -> CallbackRecord:
        if self.fault is not None:
            case = (await self.cases.get_case(case_id)).case
            if case.call_id == self.faulty:
                await self.fault.hit_async()
        return await self.book.book_callback(case_id, number, **kwargs)


class Summaries(Summarizer):
    def __init__(self, faulty: str, fault: Fault | None) -> None:
        super().__init__()
        self.faulty, self.fault = faulty, fault

    async def summarize(self, case_file: CaseFile) -> Summary:
        if self.fault is not None and case_file.case.call_id == self.faulty:
            await self.fault.hit_async()
        return await super().summarize(case_file)


# --- main --------------------------------------------------------------------------------


def figures(trials: list[Trial]) -> dict[str, Any]:
    heard = [t.heard_after_s for t in trials if t.heard_after_s is not None]
    return {
        "heard_after_s": stats(heard),
        "stuck": sum(1 for t in trials if t.stuck),
        "companions_served": sum(1 for t in trials if t.companion_served),
        "trials": len(trials),
        "end_reasons": sorted({t.end_reason or "none" for t in trials}),
        "how_heard": sorted({t.how_heard for t in trials if t.how_heard}),
    }


async def bench(trials_per_fault: int, work: Path, only: set[str]) -> dict[str, Any]:
    rig = Rig(work)
    results: dict[str, Any] = {}
    every: list[Trial] = []
    try:
        for scenario in SCENARIOS:
            if only and scenario.name not in only:
                continue
            runs = [await trial(rig, scenario, i) for i in range(trials_per_fault)]
            every += runs
            row = figures(runs) | {"expect": scenario.expect, "where": scenario.where}
            row["passed"] = (
                row["stuck"] == 0
                and row["heard_after_s"]["p95"] is not None
                and row["heard_after_s"]["p95"] <= P95_LIMIT_S
            )
            row["detail"] = [asdict(t) for t in runs]
            results[scenario.name] = row
            brief = {k: v for k, v in row.items() if k != "detail"}
            print(f"{scenario.name}: {json.dumps(brief, ensure_ascii=False)}", flush=True)
    finally:
        rig.close()
    overall = figures(every)
    overall["passed"] = all(r["passed"] for r in results.values())
    return {"faults": results, "overall": overall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--trials", type=int, default=5, help="trials per fault")
    parser.add_argument("--only", action="append", default=[], help="a scenario's name")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    started = time.perf_counter()
    try:
        figures_ = asyncio.run(bench(args.trials, work, set(args.only)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    settings = Settings()
    report = {
        "benchmark": "faults",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "method": {
            "trials_per_fault": args.trials,
            "p95_limit_s": P95_LIMIT_S,
            "heard_limit_s": HEARD_LIMIT_S,
            "end_limit_s": END_LIMIT_S,
            "timeouts_s": {
                "store": settings.call_store_timeout_s,
                "summary": settings.summary_timeout_s,
                "asr": settings.asr_timeout_s,
                "knowledge": settings.knowledge_timeout_s,
                "tts": settings.tts_timeout_s,
            },
        },
        "wall_s": round(time.perf_counter() - started, 1),
        **figures_,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "faults.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({"wall_s": report["wall_s"], "overall": figures_["overall"]}))


if __name__ == "__main__":
    main()
