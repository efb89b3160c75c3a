"""Live-assist benchmark (not a test): how fast the agent's screen gets the caller's
words and the right card, and whether live assist makes voicebot callers wait.
Writes ``assist.json`` under ``--out``.

    .venv/bin/python tests/bench/bench_assist.py --out bench-results [--quick]

The stack is the integration tests' (Asterisk 22 from the provisioned root, ports
shifted by ``GUICHET_BENCH_PORT_OFFSET``, default 550), the demo knowledge base, and,
in this one process and event loop as ``guichet up`` runs them, the call side
(``pbx.service.serve_controller``) and the web app (uvicorn) on one ``InMemoryBus``.
The events are read twice: **on the web app's ``/api/events`` websocket**, logged in
as a supervisor (what the page receives: the feed's JSON, sent by the server), and by
a bus subscriber (the same events before the websocket's encoding and send). A desk
*agent* cannot be the listener here: desk accounts' own endpoints are WebRTC (a
browser's) and their names start with a letter, while the bench's phones are baresip
on the SIP test accounts 1001…; a supervisor's feed is the same feed, unfiltered.

Method
------
The call side starts first (its Whisper and index load), then ``N`` desk phones
(baresip, auto-answer, accounts 1001…) register, playing an agent's WAV (MBROLA fr2:
a greeting, then a sentence every ~10 s), and are logged in to the reception queue
over AMI (``AgentControl``, as the web app does); the bench waits until the queue
monitor has published the ``N`` members. ``N`` callers (MBROLA fr4, never the bot's
voices) call the city hall (3000) in day mode, as ``tests/integration/test_assist.py``:
the controller answers, opens the case and routes them to the reception queue, where
the phones pick up; each asks the bench's questions (``QUESTIONS`` of
``bench_live_calls``, whose cards are known) every ``ASSIST_GAP_S``. Each final line's
``speech_end_at`` is when the server's VAD heard the speaker stop (the end of speech
in the leg's audio, put on the wall clock). Per caller question (a final caller line,
matched to the question it shares most words with):

* end of speech -> ``AssistLine`` (final, speaker caller) received;
* end of speech -> ``AssistSuggested`` for that line received, and whether its first
  card is the question's card (``right_card``).

Each figure is given over all the calls, and split: the assisted calls alone, and
beside the voicebot calls (phase B).

CPU per assisted call: this process's CPU time (the call side: VAD, Whisper, the
knowledge base; the web app) and Asterisk's (snoops, media channels), over a window
with the N assisted calls alone, less this process's idle rate measured before the
calls, divided by N. The machine is shared: ``load_before``/``load_after`` say how.

Phase B: while the assisted calls go on, night mode, and ``N`` voicebot calls at once
(``bench_live_calls.run_calls``: voice-to-voice latency at the caller, from baresip's
dumps; failed turns). The voicebot shares the Whisper workers with live assist through
the one scheduler (voicebot turns first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))
os.environ.setdefault("GUICHET_BENCH_PORT_OFFSET", "550")

import bench_live_calls as live  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from agent_softphone.app import AppState, create_app  # noqa: E402
from guichet.accounts import AccountRepository  # noqa: E402
from guichet.bus import InMemoryBus  # noqa: E402
from guichet.events import (  # noqa: E402
    AgentConnected,
    AssistLine,
    AssistSuggested,
    QueueMemberAdded,
)
from guichet.store import open_store  # noqa: E402
from pbx.ami import AmiConfig, ami_session  # noqa: E402
from pbx.asterisk_process import load_secrets  # noqa: E402
from pbx.calls import CallRepository  # noqa: E402
from pbx.queues import AgentControl  # noqa: E402
from pbx.service import serve_controller  # noqa: E402
from tests.integration.stack import Stack, start_stack  # noqa: E402
from tests.support.machine import machine  # noqa: E402
from tests.support.served import served_app  # noqa: E402
from tests.support.sip_caller import AgentPhone, CallSession  # noqa: E402
from tests.support.speech import caller_audio  # noqa: E402
from tests.web.login import session_cookie  # noqa: E402

LEAD_S = 10.0  # the caller waits in the queue, then the agent picks up
ASSIST_GAP_S = 7.0  # between a caller's questions (the agent's answer would be here)
QUESTION_S = 3.5  # a question lasts about this long (MBROLA fr4)
AGENT_LINES = ["Bonjour, accueil de la mairie, je vous écoute.", "D'accord, je regarde."]
QUEUE = "reception"
DAY_EXTEN = "3000"  # the city hall's number: the controller routes, day mode -> queue
IDLE_WINDOW_S = 8.0  # this process idle (phones in, no call) before the CPU window
SUPERVISOR = "benchsup"
PASSWORD = "correct horse battery staple"
GOAL_CARD_P95_S = 1.5
GOAL_LINE_P95_S = 1.0
GOAL_VOICEBOT_P95_S = 1.5


@dataclass(frozen=True)
class Plan:
    calls: int  # assisted calls, and voicebot calls beside them
    assist_questions: int  # per assisted call: enough to last through phase B
    voicebot_questions: int
    cpu_window_s: float  # assisted calls alone, for the CPU figure


FULL = Plan(calls=4, assist_questions=10, voicebot_questions=3, cpu_window_s=20.0)
QUICK = Plan(calls=4, assist_questions=8, voicebot_questions=2, cpu_window_s=12.0)


class LogLines(logging.Handler):
    """The in-process call side's log, shaped like ``WatchedProcess`` (``lines``,
    ``wait_for_line``) for ``bench_live_calls.run_calls``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.INFO)
        self.loop = loop
        self.lines: list[str] = []
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        self.loop.call_soon_threadsafe(self._add, line)

    def _add(self, line: str) -> None:
        self.lines.append(line)
        self._changed.set()

    async def wait_for_line(self, pattern: str, timeout: float, start: int = 0) -> re.Match[str]:
        regex = re.compile(pattern)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for line in self.lines[start:]:
                        if m := regex.search(line):
                            return m
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"no line {pattern!r} within {timeout} s") from None


@dataclass(frozen=True)
class Seen:
    """An assist event (a final/interim line or a suggestion) and when a listener got
    it: the same shape whether it came off the bus or the websocket's JSON."""

    kind: str  # "line" | "suggested"
    call_id: str
    at: datetime.datetime
    speaker: str = ""
    final: bool = False
    seq: int = -1
    text: str = ""
    speech_end_at: datetime.datetime | None = None
    for_seq: int = -1
    cards: tuple[str, ...] = ()  # the suggested cards, best first
    reliable: bool = False

    @property
    def top_card(self) -> str | None:
        return self.cards[0] if self.cards else None


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def seen_on_bus(event: AssistLine | AssistSuggested, at: datetime.datetime) -> Seen:
    if isinstance(event, AssistLine):
        return Seen(
            "line",
            event.call_id,
            at,
            speaker=event.speaker,
            final=event.final,
            seq=event.seq,
            text=event.text,
            speech_end_at=event.speech_end_at,
        )
    return Seen(
        "suggested",
        event.call_id,
        at,
        for_seq=event.for_seq,
        cards=tuple(c.card_id for c in event.cards),
        reliable=event.reliable,
    )


def seen_on_socket(message: dict[str, Any], at: datetime.datetime) -> Seen | None:
    if message.get("type") == AssistLine.type:
        end = message.get("speech_end_at")
        return Seen(
            "line",
            str(message["call_id"]),
            at,
            speaker=str(message["speaker"]),
            final=bool(message["final"]),
            seq=int(message["seq"]),
            text=str(message["text"]),
            speech_end_at=datetime.datetime.fromisoformat(end) if end else None,
        )
    if message.get("type") == AssistSuggested.type:
        return Seen(
            "suggested",
            str(message["call_id"]),
            at,
            for_seq=int(message["for_seq"]),
            cards=tuple(str(c["card_id"]) for c in message.get("cards") or []),
            reliable=bool(message["reliable"]),
        )
    return None


@dataclass
class AssistFigures:
    line_s: list[float] = field(default_factory=list)
    card_s: list[float] = field(default_factory=list)
    right_cards: int = 0  # the question's card first
    right_in_cards: int = 0  # the question's card among those suggested (up to 3)
    first_questions: int = 0  # each call's first question (one topic heard so far)
    right_first: int = 0
    caller_lines: int = 0
    agent_lines: int = 0
    interims: int = 0
    unmatched: int = 0
    detail: list[dict[str, Any]] = field(default_factory=list)


def cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    """``uptime``'s load (1, 5, 15 min): the machine is shared with other work."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3}


@contextlib.asynccontextmanager
async def call_side(stack: Stack, bus: InMemoryBus) -> AsyncIterator[LogLines]:
    lines = LogLines(asyncio.get_running_loop())
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(lines)
    store = open_store(stack.settings.store_url)
    ready = asyncio.Event()
    task = asyncio.create_task(serve_controller(stack.settings, store, bus, ready))
    waiter = asyncio.ensure_future(ready.wait())
    try:
        # FIRST_COMPLETED: the call side runs until cancelled, so waiting for both
        # would always take the whole time-out
        await asyncio.wait({task, waiter}, timeout=180, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        if not ready.is_set():
            raise RuntimeError("the call side did not get ready in 180 s")
        yield lines
    finally:
        waiter.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        store.close()
        root.removeHandler(lines)


@contextlib.asynccontextmanager
async def web_app(stack: Stack, bus: InMemoryBus) -> AsyncIterator[str]:
    """The web app on the call side's bus, in this loop (as ``guichet up``); its URL."""
    store = open_store(stack.settings.store_url)
    try:
        async with served_app(
            create_app(AppState(store, bus=bus, settings=stack.settings))
        ) as host:
            yield host
    finally:
        store.close()


async def read_bus(
    bus: InMemoryBus, into: list[Seen], connected: list[str], subscribed: asyncio.Event
) -> None:
    async with bus.subscribe(types=(AgentConnected, AssistLine, AssistSuggested)) as events:
        subscribed.set()
        async for event in events:
            if isinstance(event, AgentConnected):
                connected.append(event.unique_id)
            elif isinstance(event, AssistLine | AssistSuggested):
                into.append(seen_on_bus(event, now()))


async def read_socket(host: str, cookie: str, into: list[Seen], opened: asyncio.Event) -> None:
    """``/api/events`` as a logged-in supervisor's page reads it."""
    async with connect(f"ws://{host}/api/events", additional_headers={"Cookie": cookie}) as ws:
        opened.set()
        async for raw in ws:
            at = now()
            item = seen_on_socket(json.loads(raw), at)
            if item is not None:
                into.append(item)


async def wait_until(check: Callable[[], bool], changed: asyncio.Event, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            changed.clear()
            await changed.wait()


def assisted_mic(work: Path, k: int, questions: list[tuple[str, str]]) -> Path:
    """Made before the calls: speech synthesis would block the call side's loop."""
    parts = [(LEAD_S if i == 0 else ASSIST_GAP_S, q) for i, (q, _) in enumerate(questions)]
    return caller_audio(work / f"assist-caller-{k}.wav", *parts, voice="mb-fr4")


async def log_agents(stack: Stack, agents: list[str], *, login: bool) -> None:
    """Over AMI in this loop (as the web app does): ``guichet queues login`` would
    block the loop the call side runs in for seconds."""
    async with ami_session(AmiConfig.from_settings(stack.settings)) as ami:
        control = AgentControl(ami)
        for agent in agents:
            if login:
                await control.login(agent, QUEUE)
            else:
                await control.logout(agent, QUEUE)


async def assisted_call(
    stack: Stack, work: Path, k: int, mic: Path, length_s: float
) -> dict[str, Any]:
    async with CallSession(
        stack.sip_target(DAY_EXTEN),
        workdir=work / f"assist-caller-{k}",
        user=f"07812345{k:02d}",
        audio_in=mic,
        max_duration_s=length_s,
    ) as call:
        established = await call.wait_established(20)
        if established:
            with contextlib.suppress(TimeoutError):
                await call.wait_closed(length_s + 30)
    return {"caller": k, "established": established}


def matched_questions(
    received: list[Seen], scripts: dict[str, list[tuple[str, str]]]
) -> dict[tuple[str, int], tuple[int, tuple[str, str]]]:
    """Each final caller line -> (its index in the caller's script, the question).
    A call's lines come in the script's order: a line is the next question or the
    one after (a question Whisper missed), whichever shares more words with it."""
    found: dict[tuple[str, int], tuple[int, tuple[str, str]]] = {}
    at: dict[str, int] = {}
    lines = [r for r in received if r.kind == "line" and r.final and r.speaker == "caller"]
    for item in sorted(lines, key=lambda r: (r.call_id, r.seq)):
        script = scripts.get(item.call_id, [])
        here = at.get(item.call_id, 0)
        heard = words(item.text)
        options = [
            (len(words(q[0]) & heard), i) for i, q in enumerate(script) if here <= i < here + 2
        ]
        if not options or max(options)[0] == 0:
            continue
        best = max(options, key=lambda o: (o[0], -o[1]))[1]
        found[(item.call_id, item.seq)] = (best, script[best])
        at[item.call_id] = best + 1
    return found


def assist_figures(
    received: list[Seen],
    scripts: dict[str, list[tuple[str, str]]],
    window: tuple[datetime.datetime, datetime.datetime] | None = None,
) -> AssistFigures:
    """Per caller question heard (a final caller line): its delay, the suggestion for
    it, the right card? ``window``: only the questions whose speech ended in it."""
    figures = AssistFigures()
    matched = matched_questions(received, scripts)
    for item in received:
        if item.kind != "line":
            continue
        if window is not None and not (
            item.speech_end_at is not None and window[0] <= item.speech_end_at < window[1]
        ):
            continue
        if not item.final:
            figures.interims += 1
            continue
        if item.speaker != "caller":
            figures.agent_lines += 1
            continue
        figures.caller_lines += 1
        match = matched.get((item.call_id, item.seq))
        if match is None or item.speech_end_at is None:
            figures.unmatched += 1
            figures.detail.append({"call": item.call_id, "heard": item.text, "matched": None})
            continue
        index, (question, card_id) = match
        line_s = (item.at - item.speech_end_at).total_seconds()
        figures.line_s.append(line_s)
        detail: dict[str, Any] = {
            "call": item.call_id,
            "index": index,
            "question": question,
            "heard": item.text,
            "line_s": round(line_s, 3),
        }
        card = next(
            (
                r
                for r in received
                if r.kind == "suggested" and r.call_id == item.call_id and r.for_seq == item.seq
            ),
            None,
        )
        if card is not None:
            card_s = (card.at - item.speech_end_at).total_seconds()
            right = card.top_card == card_id
            figures.card_s.append(card_s)
            figures.right_cards += right
            figures.right_in_cards += card_id in card.cards
            if index == 0:
                figures.first_questions += 1
                figures.right_first += right
            detail |= {
                "card_s": round(card_s, 3),
                "cards": list(card.cards),
                "right": right,
                "reliable": card.reliable,
            }
        figures.detail.append(detail)
    return figures


def figures_json(figures: AssistFigures, *, detail: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "end_of_speech_to_final_line_s": live.stats(figures.line_s),
        "end_of_speech_to_card_s": live.stats(figures.card_s),
        "caller_final_lines": figures.caller_lines,
        "matched_questions": len(figures.line_s),
        "unmatched_lines": figures.unmatched,
        "suggestions_measured": len(figures.card_s),
        "right_top_card": figures.right_cards,
        "right_card_among_suggested": figures.right_in_cards,
        "first_questions": figures.first_questions,
        "right_top_card_first_question": figures.right_first,
        "agent_final_lines": figures.agent_lines,
        "interim_lines": figures.interims,
    }
    if detail:
        out["detail"] = figures.detail
    return out


async def caller_scripts(
    stack: Stack, call_ids: set[str], plan: Plan
) -> dict[str, list[tuple[str, str]]]:
    """Each assisted call's script, by its caller's number (07812345kk) as stored."""
    store = open_store(stack.settings.store_url, migrate_schema=False)
    try:
        calls = CallRepository(store)
        scripts = {}
        for call_id in call_ids:
            record = await calls.get(call_id)
            if record is not None and record.caller and record.caller[-2:].isdigit():
                scripts[call_id] = questions_of(int(record.caller[-2:]), plan)
        return scripts
    finally:
        store.close()


def questions_of(k: int, plan: Plan) -> list[tuple[str, str]]:
    return [live.QUESTIONS[(k * 2 + i) % len(live.QUESTIONS)] for i in range(plan.assist_questions)]


async def bench(plan: Plan, work: Path) -> dict[str, Any]:
    stack = start_stack(
        work / "home",
        kb_index=str(live.ingest_kb(work / "kb")),
        test_accounts=str(plan.calls),  # one desk phone per assisted call
    )
    stack.base_env.update(silence_timeout_s="60", max_silences="3", max_turns="50")
    bus = InMemoryBus()
    on_bus: list[Seen] = []
    on_socket: list[Seen] = []
    connected: list[str] = []
    agents = [f"{1001 + k}" for k in range(plan.calls)]
    secrets = load_secrets(stack.settings).sip_accounts
    setup = open_store(stack.settings.store_url)
    try:
        AccountRepository(setup).add(SUPERVISOR, "supervisor", password=PASSWORD)
    finally:
        setup.close()
    # everything spoken is made before the call side runs (synthesis blocks a loop)
    speech = live.synthesize([q for q, _ in live.QUESTIONS], work / "speech")
    length_s = LEAD_S + plan.assist_questions * (ASSIST_GAP_S + QUESTION_S) + 5.0
    agent_mic = caller_audio(
        work / "agent.wav",
        *[(1.0 if i == 0 else 10.0, AGENT_LINES[i % 2]) for i in range(int(length_s // 12) + 1)],
        voice="mb-fr2",
    )
    mics = [assisted_mic(work, k, questions_of(k, plan)) for k in range(plan.calls)]
    marks: dict[str, datetime.datetime] = {}
    try:
        stack.guichet("mode", "day")
        async with (
            call_side(stack, bus) as log_lines,
            web_app(stack, bus) as host,
            contextlib.AsyncExitStack() as phones,
        ):
            cookie = await session_cookie(f"http://{host}", SUPERVISOR, PASSWORD)
            added: set[str] = set()
            members_changed = asyncio.Event()

            async def members() -> None:
                async with bus.subscribe(types=(QueueMemberAdded,)) as events:
                    subscribed.set()
                    async for event in events:
                        if isinstance(event, QueueMemberAdded) and event.queue == QUEUE:
                            added.add(event.member.interface)
                            members_changed.set()

            subscribed = asyncio.Event()
            opened = asyncio.Event()
            readers = [
                asyncio.create_task(members()),
                asyncio.create_task(read_bus(bus, on_bus, connected, asyncio.Event())),
                asyncio.create_task(read_socket(host, cookie, on_socket, opened)),
            ]
            await asyncio.wait_for(subscribed.wait(), 10)
            await asyncio.wait_for(opened.wait(), 10)
            # the phones start now, not before the call side's minutes of loading:
            # baresip quits after max_duration_s (-t), and a quit phone is an
            # unavailable member (the queue refuses callers: JOINEMPTY)
            phase_b_s = 120.0
            for k, user in enumerate(agents):
                phone = await phones.enter_async_context(
                    AgentPhone(
                        f"{stack.sip_host}:{stack.sip_port}",
                        user=user,
                        password=secrets[user],
                        workdir=work / f"agent-{k}",
                        audio_in=agent_mic,
                        max_duration_s=length_s + phase_b_s,
                    )
                )
                await phone.wait_registered(20)
            await log_agents(stack, agents, login=True)
            await wait_until(lambda: {f"PJSIP/{a}" for a in agents} <= added, members_changed, 30)
            # this process's rate with the phones in and no call: the CPU figure's base
            idle_wall, idle_cpu = time.perf_counter(), cpu_s()
            await asyncio.sleep(IDLE_WINDOW_S)  # the measuring window itself
            idle_rate = (cpu_s() - idle_cpu) / (time.perf_counter() - idle_wall)
            assisted = [
                asyncio.create_task(assisted_call(stack, work, k, mics[k], length_s))
                for k in range(plan.calls)
            ]
            marks["assisted_calls_placed"] = now()
            try:
                async with asyncio.timeout(90):
                    while len(set(connected)) < plan.calls:
                        if all(t.done() for t in assisted):
                            break
                        await asyncio.wait(assisted, timeout=0.5)  # re-check the count
            finally:
                (work / "controller.log").write_text("\n".join(log_lines.lines))
            if len(set(connected)) < plan.calls:
                raise RuntimeError(
                    f"{len(set(connected))} of {plan.calls} assisted calls connected"
                )
            marks["all_connected"] = now()
            # the assisted calls alone: this process's and Asterisk's CPU
            pid = stack.asterisk.status().pid
            wall0, cpu0 = time.perf_counter(), cpu_s()
            ast0 = process_cpu_s(pid) if pid else 0.0
            await asyncio.sleep(plan.cpu_window_s)  # the measuring window itself
            window = time.perf_counter() - wall0
            guichet_cpu = cpu_s() - cpu0 - idle_rate * window
            asterisk_cpu = (process_cpu_s(pid) - ast0) if pid else 0.0
            # phase B: voicebot calls beside the assisted ones (off this loop: the CLI)
            await asyncio.to_thread(stack.guichet, "mode", "night")
            marks["phase_b_start"] = now()
            group = live.callers("vb", plan.calls, plan.voicebot_questions, 0)
            voicebot_calls = await live.run_calls(
                stack,
                log_lines,  # type: ignore[arg-type]
                work / "voicebot",
                group,
                speech,
            )
            marks["phase_b_end"] = now()
            assisted_results = await asyncio.gather(*assisted)
            marks["assisted_calls_ended"] = now()
            (work / "controller.log").write_text("\n".join(log_lines.lines))
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            await log_agents(stack, agents, login=False)
    finally:
        stack.asterisk.stop()
    scripts = await caller_scripts(stack, set(connected), plan)
    voicebot = live.summary(voicebot_calls)
    phase_b = (marks["phase_b_start"], marks["phase_b_end"])
    alone = (marks["all_connected"], marks["phase_b_start"])
    return {
        "assist": {
            "calls": plan.calls,
            "assisted_calls": assisted_results,
            "goals": {
                "card_p95_s": GOAL_CARD_P95_S,
                "line_p95_s": GOAL_LINE_P95_S,
                "voicebot_p95_s": GOAL_VOICEBOT_P95_S,
            },
            "websocket": figures_json(assist_figures(on_socket, scripts), detail=True),
            "websocket_assisted_alone": figures_json(
                assist_figures(on_socket, scripts, alone), detail=False
            ),
            "websocket_beside_voicebot": figures_json(
                assist_figures(on_socket, scripts, phase_b), detail=False
            ),
            "bus": figures_json(assist_figures(on_bus, scripts), detail=False),
        },
        "marks": {k: v.isoformat() for k, v in marks.items()},
        "cpu_per_assisted_call": {
            "window_s": round(window, 1),
            "guichet_core_share": round(guichet_cpu / window / plan.calls, 3),
            "asterisk_core_share": round(asterisk_cpu / window / plan.calls, 3),
            "guichet_idle_core_share": round(idle_rate, 3),
        },
        "voicebot_beside_assist": {"calls": plan.calls, **voicebot}
        | {"detail": [live.report_json(c) for c in voicebot_calls]},
    }


def goals_met(figures: dict[str, Any]) -> dict[str, bool]:
    """Issue 12's goals, on what the page received (``None`` p95: not met)."""
    seen = figures["assist"]["websocket"]
    voicebot = figures["voicebot_beside_assist"]

    def at_most(p95: float | None, goal: float) -> bool:
        return p95 is not None and p95 <= goal

    return {
        "card_p95": at_most(seen["end_of_speech_to_card_s"]["p95"], GOAL_CARD_P95_S),
        "line_p95": at_most(seen["end_of_speech_to_final_line_s"]["p95"], GOAL_LINE_P95_S),
        "voicebot_p95": at_most(voicebot["latency_s"]["p95"], GOAL_VOICEBOT_P95_S),
        "voicebot_no_failed_turn": voicebot["turns"] > 0 and voicebot["failed_turns"] == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="fewer questions per call")
    parser.add_argument("--keep", action="store_true", help="keep the calls' audio and logs")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    work = Path(tempfile.mkdtemp(prefix="bench-assist-"))
    started = time.perf_counter()
    load_before = load_average()
    try:
        figures = asyncio.run(bench(plan, work))
    finally:
        if args.keep:
            print(f"kept in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "benchmark": "assist",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_average(),
        "method": {
            "events_read_on": (
                "the web app's /api/events websocket, logged in as a supervisor "
                "(same process and loop as the call side, as guichet up); also a bus subscriber"
            ),
            "end_of_speech": "server VAD: AssistLine.speech_end_at",
            "question_matched_by": "most shared words (> 3 letters), bench_live_calls.QUESTIONS",
            "lead_s": LEAD_S,
            "assist_gap_s": ASSIST_GAP_S,
            "plan": plan.__dict__,
        },
        "wall_s": round(time.perf_counter() - started, 1),
        "goals_met": goals_met(figures),
        **figures,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "assist.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assist = figures["assist"]
    brief = {
        "machine": report["machine"],
        "load_before": load_before,
        "load_after": report["load_after"],
        "wall_s": report["wall_s"],
        "goals_met": report["goals_met"],
        "assist": {k: v for k, v in assist["websocket"].items() if k != "detail"},
        "assist_alone": assist["websocket_assisted_alone"],
        "assist_beside_voicebot": assist["websocket_beside_voicebot"],
        "assist_on_bus": assist["bus"],
        "cpu_per_assisted_call": figures["cpu_per_assisted_call"],
        "voicebot_beside_assist": {
            k: v for k, v in figures["voicebot_beside_assist"].items() if k != "detail"
        },
    }
    print(json.dumps(brief, ensure_ascii=False))


if __name__ == "__main__":
    main()
