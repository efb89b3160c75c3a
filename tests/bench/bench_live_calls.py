"""Live-call benchmark (not a test): the voicebot's voice-to-voice latency and the most
simultaneous voicebot calls, measured on real calls. Writes ``live_calls.json`` under
``--out``.

    .venv/bin/python tests/bench/bench_live_calls.py --out bench-results [--quick] [--keep]

The stack is the one the integration tests use (``tests/integration/stack.py``): Asterisk
22 from the provisioned root on test ports shifted by ``GUICHET_BENCH_PORT_OFFSET``
(default 100, so that a test run beside it is not disturbed), ``guichet controller run``
with the demo knowledge base, night mode (every call goes to the voicebot and stays in
one voicebot session: no queue, no transfer). Callers are baresip processes
(``tests/support/sip_caller.py``).

Method
------
Each caller's microphone is a script: 1 s of silence, then French questions (espeak-ng
MBROLA fr4, a caller's voice of ``tests/support/speech.py``, never the bot's fr1) each
followed by a fixed gap, long enough for the bot to start answering; the next question
talks over the answer (a barge-in). When the script ends, baresip's audio file source
ends and baresip hangs up.

Voice-to-voice latency is measured on the caller's side only, from baresip's two dumps:
what it SENT (``dump-*-enc.wav``) and what it HEARD (``dump-*-dec.wav``):

* the caller's speech segments come from the sent dump's 20 ms RMS envelope (frames above
  -50 dBFS; the microphone's silence is digital zero), gaps under 0.6 s merged; there must
  be one per question, and they must sit where the script put them;
* the bot's speech onset after a question is the first 20 ms frame of the heard dump above
  -40 dBFS after the end ``e`` of the caller's speech; latency = onset - ``e``. No onset
  within 4.5 s (or before the next question) is a failed turn. The bot must be silent at
  ``e`` (the caller was talking and barge-in stopped it); if it is not, the turn fails too
  (``bot talking at end of question``), since an onset cannot be told then.

Alignment. The two dumps share no clock. The sent dump starts when baresip's audio starts,
the heard dump with the first RTP packet (~0.2 s later). The heard dump should have no
gaps during the voicebot: its media link (``pbx/calls/steady_link.py``) sends silence
whenever the bot has nothing to say, so Asterisk keeps sending RTP; before it did, Asterisk
sent nothing from a barge-in to the next answer (~2 s each time, 6-7 s in a call of 3
questions). ``heard_gaps_s`` still reports what is missing. Aligning the dumps by their
ends (both stop at the call's end) is only as good as the heard dump is gapless, and it
was seconds off (``end_alignment_error_s``), so the bench times the dumps as baresip
writes them instead, which holds either way:
:class:`DumpClock` stats both files every 5 ms in a thread. baresip writes the sent dump
one 20 ms frame at a time as the microphone is read (paced), and the heard dump one 20 ms
packet at a time as it leaves baresip's jitter buffer and is decoded (libsndfile writes
straight through: the file grows by 320 bytes every ~20 ms). A heard frame's place on the
sent timeline is its write time minus the sent dump's origin (the median of sent frame
``k``'s write time - (k + 1) x 20 ms; ``sent_clock_jitter_s`` is the p95 spread around
it, ~4 ms).

The caller's playout delay is a desk phone's: its jitter buffer holds 2 packets
(``JITTER_BUFFER`` in ``tests/support/sip_caller.py``), so it hears each frame 40 ms after
the frame crossed the wire (``tests/bench/bench_caller_buffer.py`` measures wire against
recording: 0.040 s). baresip's default holds 5 packets (100 ms); that hold is what the
latency gained when RTP to the caller became continuous. Before, the buffer's last
packets waited through each silence and the next answer's first packets pushed them out:
the "onset" was the stale tail of the interrupted answer, on time with the wire, and
the buffer's delay did not show. A phone's audio output adds ~10-20 ms that no dump sees.

Checks in the JSON (``alignment``): (1) the sent dump's speech segments against the script
(``enc_vs_script_s``, 0 if the sent dump starts with the script and drops nothing);
(2) for every question that interrupted the bot (bot audible in the 0.3 s before the
caller's speech onset), the time from that onset to the bot's last audible frame before
the question ends (``barge_in_stop_s``): the voicebot needs ~100-160 ms of speech to call
a barge-in, then flushes Asterisk's queue, so with a right alignment it is small and
positive (~0.1-0.4 s); (3) per call, where the heard audio starts (``heard_starts_s``),
its total gaps (``heard_gaps_s``) and what aligning by the end would have been off by.

Phase 1 runs single calls one after the other until at least 21 turns; phase 2 runs N
simultaneous calls (N = 2, 3, 4, 6), the callers' scripts shifted by a fraction of a
question cycle each so that the questions do not all end at the same instant. A level
passes with p95 <= 1.5 s and no failed call (not established, dropped by the far end, a
controller end other than the caller's hang-up, or a failed turn); levels stop rising
at the first that does not pass. ``--quick``: one call of 3 questions, and N = 2 only.
Which card answered each turn (``cards``, ``wrong_cards``) and what the bot said
(``bot_said``, from the controller's log) are recorded too, but only as information: the
latency is to whatever the bot says first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# stack.py reads the port offset when imported: the bench's own ports, not a test run's
os.environ["GUICHET_TEST_PORT_OFFSET"] = os.environ.get("GUICHET_BENCH_PORT_OFFSET", "100")

from guichet.store import open_store  # noqa: E402
from pbx.calls import CallRepository  # noqa: E402
from tests.integration.stack import GUICHET, Stack, stack_env, start_stack  # noqa: E402
from tests.support.audio import read_wav, rms_envelope, write_wav  # noqa: E402
from tests.support.machine import machine  # noqa: E402
from tests.support.processes import WatchedProcess  # noqa: E402
from tests.support.sip_caller import JITTER_BUFFER, CallResult, CallSession  # noqa: E402
from tests.support.speech import caller_sentence  # noqa: E402

FloatArray = npt.NDArray[np.float32]

RATE = 8000
FRAME_S = 0.02
FRAME = 160  # samples in 20 ms
CALLER_DB = -50.0  # the microphone's silence is digital zero
BOT_DB = -40.0
MERGE_GAP_S = 0.6  # pauses inside one question
MIN_SEGMENT_S = 0.3
LEAD_S = 1.0
GAP_S = 5.0  # after each question: the bot answers, then the next question barges in
TAIL_S = 6.0  # after the last question, before the caller hangs up
MAX_LATENCY_S = 4.5
BARGE_LOOKBACK_S = 0.3
P95_LIMIT_S = 1.5
MIC_PAD_S = 5.0  # CallSession pads the microphone to max_duration_s + 5 s

# Each checked with `guichet kb ask` and through espeak (the caller's voice) -> G.711 ->
# Whisper base. Avoid questions of 5 words or fewer with "comment"/"quoi"/"pardon": the
# dialog takes them for "repeat that" (voicebot.dialog.classify); "cantine" came out as
# "campine" (in MBROLA fr1) and abstained.
QUESTIONS: list[tuple[str, str]] = [
    ("Quels sont les horaires d'ouverture de la mairie ?", "horaires-mairie"),
    ("Comment obtenir une copie de mon acte de naissance ?", "acte-naissance"),
    ("Quels sont les horaires de la médiathèque ?", "mediatheque"),
    ("Quand passe le ramassage des encombrants ?", "encombrants"),
    ("Combien coûte l'entrée à la piscine ?", "piscine"),
    ("Je voudrais faire une carte d'identité.", "cni-demande"),
    ("Où sont les objets trouvés ?", "objets-trouves"),
    ("Quel jour est le marché ?", "marche-hebdomadaire"),
]


@dataclass(frozen=True)
class Plan:
    single_calls: int
    single_questions: int
    levels: tuple[int, ...]
    level_questions: int


FULL = Plan(single_calls=3, single_questions=7, levels=(2, 4, 6, 8, 10, 12, 16), level_questions=4)
QUICK = Plan(single_calls=1, single_questions=3, levels=(2,), level_questions=3)


@dataclass
class Turn:
    question: str
    caller_start_s: float
    caller_end_s: float
    latency_s: float | None = None
    barge_in_stop_s: float | None = None  # set when the question interrupted the bot
    failure: str | None = None


@dataclass
class CallReport:
    label: str
    questions: list[str]
    lead_s: float
    call_id: str | None = None
    established: bool = False
    closed_reason: str = ""
    controller_end: str | None = None
    controller_barge_ins: int = 0
    cards: list[str | None] = field(default_factory=list)
    bot_said: list[str] = field(default_factory=list)  # the controller's log, cut at 70
    expected_cards: list[str] = field(default_factory=list)
    sent_s: float | None = None
    heard_s: float | None = None
    heard_starts_s: float | None = None  # first RTP heard, on the sent timeline
    heard_gaps_s: float | None = None  # time without RTP after that
    end_alignment_error_s: float | None = None  # what aligning the dumps' ends would be off
    sent_clock_jitter_s: float | None = None  # p95 spread of the sent dump's write times
    enc_vs_script_s: list[float] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    failure: str | None = None

    @property
    def failed(self) -> bool:
        return self.failure is not None or any(t.failure for t in self.turns)


# --- statistics -------------------------------------------------------------------------


def stats(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"median": None, "p95": None, "max": None, "n": 0}
    arr = np.asarray(values, dtype=np.float64)
    return {
        "median": round(float(np.median(arr)), 3),
        "p95": round(float(np.percentile(arr, 95)), 3),
        "max": round(float(arr.max()), 3),
        "n": len(values),
    }


# --- the callers' microphones -------------------------------------------------------------


def synthesize(questions: list[str], folder: Path) -> dict[str, FloatArray]:
    folder.mkdir(parents=True, exist_ok=True)
    return {q: caller_sentence(q, folder / f"q{i}.wav") for i, q in enumerate(questions)}


def script(speech: dict[str, FloatArray], questions: list[str], lead_s: float) -> FloatArray:
    """Lead silence, then each question followed by a gap; a longer tail after the last."""
    pieces: list[FloatArray] = [np.zeros(round(lead_s * RATE), dtype=np.float32)]
    for index, question in enumerate(questions):
        pause = TAIL_S if index == len(questions) - 1 else GAP_S
        pieces += [speech[question], np.zeros(round(pause * RATE), dtype=np.float32)]
    return np.concatenate(pieces)


# --- audio analysis ---------------------------------------------------------------------


def active_frames(samples: FloatArray, threshold_db: float) -> npt.NDArray[np.bool_]:
    active: npt.NDArray[np.bool_] = rms_envelope(samples, RATE) > 10.0 ** (threshold_db / 20.0)
    return active


def segments(samples: FloatArray, threshold_db: float) -> list[tuple[float, float]]:
    """Speech segments (start, end) in s: active frames, short pauses merged."""
    found: list[tuple[float, float]] = []
    for index in np.flatnonzero(active_frames(samples, threshold_db)):
        start, end = float(index) * FRAME_S, float(index + 1) * FRAME_S
        if found and start - found[-1][1] < MERGE_GAP_S:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))
    return [(a, b) for a, b in found if b - a >= MIN_SEGMENT_S]


class DumpClock:
    """When baresip's dumps grew, on this machine's monotonic clock.

    A thread stats both dumps every ``period_s`` and notes each new size with the middle
    of the interval in which it changed. baresip writes the sent dump as the microphone is
    read (paced, 20 ms a frame) and the heard dump as RTP packets are decoded (libsndfile
    writes through at once), so the growth times place both on one timeline.
    """

    def __init__(self, folder: Path, period_s: float = 0.005) -> None:
        self.folder = folder
        self.period_s = period_s
        self.growth: dict[str, list[tuple[float, int]]] = {"enc": [], "dec": []}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dump-clock", daemon=True)

    def __enter__(self) -> DumpClock:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        paths: dict[str, Path] = {}
        previous = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            for kind, seen in self.growth.items():
                if kind not in paths:
                    found = sorted(self.folder.glob(f"dump-*-{kind}.wav"))
                    if not found:
                        continue
                    paths[kind] = found[-1]
                with contextlib.suppress(OSError):
                    size = paths[kind].stat().st_size
                    if not seen or size != seen[-1][1]:
                        seen.append(((previous + now) / 2, size))
            previous = now
            self._stop.wait(self.period_s)

    def frame_times(self, kind: str, path: Path, samples: int) -> npt.NDArray[np.float64]:
        """When each 20 ms frame of a dump was written (NaN: never seen growing)."""
        header = path.stat().st_size - 2 * samples
        growth = np.asarray(self.growth[kind], dtype=np.float64).reshape(-1, 2)
        written = (growth[:, 1] - header) // 2
        needed = (np.arange(samples // FRAME) + 1) * FRAME
        index = np.searchsorted(written, needed, side="left")
        times = np.full(len(needed), np.nan)
        seen = index < len(growth)
        times[seen] = growth[index[seen], 0]
        return times


@dataclass(frozen=True)
class HeardTimeline:
    """The heard dump's active frames, on the sent dump's timeline."""

    starts: npt.NDArray[np.float64]  # sent-timeline start of every active 20 ms frame

    @classmethod
    def of(cls, heard: FloatArray, frame_s: npt.NDArray[np.float64]) -> HeardTimeline:
        """``frame_s``: each heard frame's place on the sent timeline."""
        active = active_frames(heard, BOT_DB)[: len(frame_s)]
        starts = frame_s[: len(active)][active]
        return cls(starts[~np.isnan(starts)])

    def within(self, a: float, b: float) -> npt.NDArray[np.float64]:
        picked: npt.NDArray[np.float64] = self.starts[(self.starts >= a) & (self.starts < b)]
        return picked

    def talking(self, a: float, b: float) -> bool:
        """Any active frame overlapping [a, b)."""
        return self.within(a - FRAME_S, b).size > 0


def measure_turns(
    questions: list[str], said: list[tuple[float, float]], heard: HeardTimeline, end_s: float
) -> list[Turn]:
    turns: list[Turn] = []
    for index, (question, (start, end)) in enumerate(zip(questions, said, strict=True)):
        turn = Turn(question, round(start, 3), round(end, 3))
        if heard.talking(start - BARGE_LOOKBACK_S, start):
            last = heard.within(start, end)
            turn.barge_in_stop_s = (
                round(float(last.max()) + FRAME_S - start, 3) if last.size else 0.0
            )
        limit = min(end + MAX_LATENCY_S, said[index + 1][0] if index + 1 < len(said) else end_s)
        if heard.talking(end - FRAME_S, end):
            turn.failure = "bot talking at end of question"
        elif (onsets := heard.within(end, limit)).size:
            turn.latency_s = round(float(onsets.min()) - end, 3)
        else:
            turn.failure = f"no bot speech within {limit - end:.1f} s"
        turns.append(turn)
    return turns


def sent_origin(clock: DumpClock, sent_path: Path, samples: int) -> tuple[float, float] | None:
    """Where the sent timeline starts on the monotonic clock, and the p95 spread of the
    sent frames' write times around it (s). None if the clock saw too little."""
    sent_t = clock.frame_times("enc", sent_path, samples)
    sent_k = np.arange(len(sent_t))
    known = ~np.isnan(sent_t)
    if known.sum() < 50:
        return None
    # frame k of the sent dump is written when it has been read: t0 + (k + 1) * 20 ms
    residual = sent_t[known] - (sent_k[known] + 1) * FRAME_S
    t0 = float(np.median(residual))
    return t0, round(float(np.percentile(np.abs(residual - t0), 95)), 3)


def place_heard(
    report: CallReport, clock: DumpClock, result: CallResult, sent: FloatArray, heard: FloatArray
) -> npt.NDArray[np.float64] | None:
    """Each heard frame's place on the sent timeline (s), from the dumps' growth times;
    also the alignment figures of the call. None if the clock saw too little."""
    assert result.sent is not None and result.recording is not None
    origin = sent_origin(clock, result.sent, len(sent))
    heard_t = clock.frame_times("dec", result.recording, len(heard))
    if origin is None or np.isnan(heard_t).all():
        return None
    t0, report.sent_clock_jitter_s = origin
    placed = heard_t - t0
    first = float(np.nanmin(placed))
    report.heard_starts_s = round(first, 3)
    report.heard_gaps_s = round(len(sent) / RATE - first - len(heard) / RATE, 3)
    by_end = np.arange(len(heard_t)) * FRAME_S + (len(sent) - len(heard)) / RATE
    report.end_alignment_error_s = round(float(np.nanmedian(by_end - placed)), 3)
    return placed


def analyse(report: CallReport, result: CallResult, mic: FloatArray, clock: DumpClock) -> None:
    """Fill the report's turns from the call's sent and heard dumps."""
    if result.sent is None or result.recording is None:
        report.failure = "no audio dumps"
        return
    sent, _ = read_wav(result.sent)
    heard, _ = read_wav(result.recording)
    report.sent_s, report.heard_s = round(len(sent) / RATE, 3), round(len(heard) / RATE, 3)
    said = segments(sent, CALLER_DB)
    scripted = segments(mic, CALLER_DB)
    if len(said) != len(report.questions):
        report.failure = (
            f"{len(said)} caller speech segments in the sent audio "
            f"for {len(report.questions)} questions"
        )
        return
    if len(scripted) == len(said):  # where the script put them (~0: nothing dropped)
        report.enc_vs_script_s = [
            round(a[0] - b[0], 3) for a, b in zip(said, scripted, strict=True)
        ]
    placed = place_heard(report, clock, result, sent, heard)
    if placed is None:
        report.failure = "the dumps were not seen growing"
        return
    timeline = HeardTimeline.of(heard, placed)
    report.turns = measure_turns(report.questions, said, timeline, len(sent) / RATE)


# --- calls ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    label: str
    number: str
    questions: list[tuple[str, str]]
    lead_s: float


def callers(label: str, count: int, per_call: int, first: int) -> list[Caller]:
    """``count`` callers asking ``per_call`` questions each, from question ``first`` on
    (each caller its own), their scripts shifted by a fraction of a question cycle."""
    cycle_s = GAP_S + 2.0  # a question lasts about 2 s
    out = []
    for k in range(count):
        start = first + k * per_call
        questions = [QUESTIONS[(start + i) % len(QUESTIONS)] for i in range(per_call)]
        lead = round(LEAD_S + k * cycle_s / count, 3)
        out.append(Caller(f"{label}-{k}", f"06123456{k:02d}", questions, lead))
    return out


@dataclass
class Placed:
    """A call that has ended, before analysis."""

    report: CallReport
    result: CallResult
    mic: FloatArray
    clock: DumpClock


async def place(
    stack: Stack, workdir: Path, caller: Caller, speech: dict[str, FloatArray]
) -> Placed:
    """One caller runs its whole script; the call ends when the script does."""
    texts = [q for q, _ in caller.questions]
    report = CallReport(
        caller.label, texts, caller.lead_s, expected_cards=[c for _, c in caller.questions]
    )
    mic = script(speech, texts, caller.lead_s)
    mic_path = write_wav(workdir / f"{caller.label}-mic.wav", mic, RATE)
    length_s = len(mic) / RATE
    async with CallSession(
        stack.sip_target("3000"),
        workdir=workdir,
        user=caller.number,
        audio_in=mic_path,
        max_duration_s=length_s - MIC_PAD_S,  # the microphone ends with the script
    ) as call:
        with DumpClock(call.dumps) as clock, contextlib.suppress(TimeoutError):
            if await call.wait_established(20):  # else: not established (a failed call)
                await call.wait_closed(length_s + 30)
    (call.dir / "growth.json").write_text(json.dumps(clock.growth))  # kept with --keep
    return Placed(report, call.result(), mic, clock)


async def call_ids_by_number(stack: Stack, lines: list[str]) -> dict[str, str]:
    """The voicebot calls in ``lines``, by caller number (last 8 digits, from the store)."""
    ids = [m.group(1) for line in lines if (m := re.search(r"call (\S+): answered -> ", line))]
    repository = CallRepository(open_store(stack.settings.store_url, migrate_schema=False))
    found = {}
    for cid in ids:
        record = await repository.get(cid)
        if record is not None and record.caller:
            found[record.caller[-8:]] = cid
    return found


async def controller_end(controller: WatchedProcess, call_id: str, mark: int) -> str | None:
    """Why the controller ended the call (None: it did not within 30 s)."""
    pattern = rf"call {re.escape(call_id)} ended \((\w+)\)"
    try:
        ended = await controller.wait_for_line(pattern, 30, start=mark)
    except AssertionError:  # WatchedProcess's timeout
        return None
    return ended.group(1)


def controller_facts(report: CallReport, lines: list[str]) -> None:
    """What the controller said about this call: cards, in order, barge-ins, bot lines."""
    cid = re.escape(report.call_id or "")
    for line in lines:
        if m := re.search(rf"call {cid}: turn \d+ answered from card (\S+)", line):
            report.cards.append(m.group(1))
        elif re.search(rf"call {cid}: turn \d+ has no reliable answer", line):
            report.cards.append(None)
        elif re.search(rf"call {cid}: barge-in", line):
            report.controller_barge_ins += 1
        elif m := re.search(rf"call {cid}: bot says: (.*)$", line):
            report.bot_said.append(m.group(1))


def judge_close(report: CallReport, result: CallResult) -> None:
    report.established = result.established
    report.closed_reason = result.closed_reason
    if not result.established:
        report.failure = f"not established ({result.closed_reason})"
    elif result.remote_hangup:
        report.failure = f"dropped by the far end ({result.closed_reason})"
    elif report.call_id is None:
        report.failure = "the controller did not answer it with the voicebot"
    elif report.controller_end is None:
        report.failure = "the controller did not end the call"
    elif report.controller_end != "caller_hangup":
        report.failure = f"controller ended the call: {report.controller_end}"


async def run_calls(
    stack: Stack,
    controller: WatchedProcess,
    workdir: Path,
    group: list[Caller],
    speech: dict[str, FloatArray],
) -> list[CallReport]:
    """The group's callers call at the same time; each call's report, analysed."""
    workdir.mkdir(parents=True, exist_ok=True)
    mark = len(controller.lines)
    placed = await asyncio.gather(*(place(stack, workdir, c, speech) for c in group))
    ids = await call_ids_by_number(stack, controller.lines[mark:])
    for caller, call in zip(group, placed, strict=True):
        report = call.report
        report.call_id = ids.get(caller.number[-8:])
        if report.call_id is not None:
            report.controller_end = await controller_end(controller, report.call_id, mark)
            controller_facts(report, controller.lines[mark:])
        judge_close(report, call.result)
        if report.established:
            analyse(report, call.result, call.mic, call.clock)
    return [call.report for call in placed]


# --- phases -----------------------------------------------------------------------------


def latencies(calls: list[CallReport]) -> list[float]:
    return [t.latency_s for c in calls for t in c.turns if t.latency_s is not None]


def wrong_cards(call: CallReport) -> int:
    """Turns answered from another card than the question's (informational only)."""
    pairs = zip(call.cards, call.expected_cards, strict=False)
    return sum(got != want for got, want in pairs) + abs(len(call.cards) - len(call.questions))


def first_failure(call: CallReport) -> str:
    return call.failure or next((t.failure for t in call.turns if t.failure), "")


def summary(calls: list[CallReport]) -> dict[str, Any]:
    return {
        "latency_s": stats(latencies(calls)),
        "turns": sum(len(c.turns) for c in calls),
        "failed_turns": sum(1 for c in calls for t in c.turns if t.failure),
        "failed_calls": sum(1 for c in calls if c.failed),
        "failures": [f"{c.label}: {first_failure(c)}" for c in calls if c.failed],
        "wrong_cards": sum(wrong_cards(c) for c in calls),
    }


def passes(figures: dict[str, Any]) -> bool:
    p95 = figures["latency_s"]["p95"]
    return figures["failed_calls"] == 0 and p95 is not None and p95 <= P95_LIMIT_S


def report_json(call: CallReport) -> dict[str, Any]:
    return asdict(call) | {"failed": call.failed}


async def single_phase(
    stack: Stack,
    controller: WatchedProcess,
    workdir: Path,
    plan: Plan,
    speech: dict[str, FloatArray],
) -> list[CallReport]:
    """One call at a time, each with other questions."""
    calls: list[CallReport] = []
    for n in range(plan.single_calls):
        group = callers(f"single{n}", 1, plan.single_questions, n * plan.single_questions)
        calls += await run_calls(stack, controller, workdir, group, speech)
        print(f"single call {n}: {[t.latency_s for t in calls[-1].turns]}", flush=True)
    return calls


async def concurrency_phase(
    stack: Stack,
    controller: WatchedProcess,
    workdir: Path,
    plan: Plan,
    speech: dict[str, FloatArray],
) -> list[tuple[dict[str, Any], list[CallReport]]]:
    """Rising numbers of simultaneous calls, until one level does not pass."""
    levels: list[tuple[dict[str, Any], list[CallReport]]] = []
    for count in plan.levels:
        group = callers(f"x{count}", count, plan.level_questions, 0)
        calls = await run_calls(stack, controller, workdir, group, speech)
        figures = {"calls": count, **summary(calls)}
        figures["passed"] = passes(figures)
        figures["detail"] = [report_json(c) for c in calls]
        levels.append((figures, calls))
        print(f"{count} calls: {figures['latency_s']} failures={figures['failures']}", flush=True)
        if not figures["passed"]:
            break
    return levels


def alignment(calls: list[CallReport]) -> dict[str, Any]:
    stops = [t.barge_in_stop_s for c in calls for t in c.turns if t.barge_in_stop_s is not None]
    script_diffs = [abs(x) for c in calls for x in c.enc_vs_script_s]
    return {
        "barge_in_stop_s": stats(stops) | {"min": round(min(stops), 3) if stops else None},
        "barge_in_stop_values_s": stops,
        "barge_ins_heard": len(stops),
        "barge_ins_logged": sum(c.controller_barge_ins for c in calls),
        "heard_starts_s": [c.heard_starts_s for c in calls],
        "heard_gaps_s": [c.heard_gaps_s for c in calls],
        "end_alignment_error_s": [c.end_alignment_error_s for c in calls],
        "sent_clock_jitter_s": [c.sent_clock_jitter_s for c in calls],
        "enc_vs_script_max_abs_s": round(max(script_diffs), 3) if script_diffs else None,
    }


# --- main -------------------------------------------------------------------------------


def ingest_kb(home: Path) -> Path:
    index = home / "kb-index"
    subprocess.run(
        [GUICHET, "kb", "ingest", str(ROOT / "knowledge/demo/cards"), "--index", str(index)],
        env=stack_env(home),
        check=True,
        capture_output=True,
    )
    return index


async def bench(plan: Plan, work: Path) -> dict[str, Any]:
    speech = synthesize([q for q, _ in QUESTIONS], work / "speech")
    stack = start_stack(work / "home", kb_index=str(ingest_kb(work / "kb")))
    controller: WatchedProcess | None = None
    try:
        stack.base_env.update(silence_timeout_s="60", max_silences="3", max_turns="50")
        stack.guichet("mode", "night")
        controller = await stack.start_controller()
        single = await single_phase(stack, controller, work / "calls", plan, speech)
        levels = await concurrency_phase(stack, controller, work / "calls", plan, speech)
    finally:
        if controller is not None:
            await controller.stop()
            (work / "controller.log").write_text(controller.output)  # kept with --keep
        stack.asterisk.stop()
    one = summary(single)
    one["passed"] = passes(one)
    passed = [figures["calls"] for figures, _ in levels if figures["passed"]]
    return {
        "single_call": one | {"detail": [report_json(c) for c in single]},
        "concurrency": [figures for figures, _ in levels],
        "alignment": alignment(single + [c for _, calls in levels for c in calls]),
        "max_concurrent_calls": max(passed) if passed else (1 if one["passed"] else 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="1 call x 3 questions, then 2 calls")
    parser.add_argument("--keep", action="store_true", help="keep the calls' audio and logs")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    work = Path(tempfile.mkdtemp(prefix="bench-live-calls-"))
    started = time.perf_counter()
    try:
        figures = asyncio.run(bench(plan, work))
    finally:
        if args.keep:
            print(f"calls kept in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "benchmark": "live_calls",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine(),
        "method": {
            "lead_s": LEAD_S,
            "gap_s": GAP_S,
            "caller_threshold_db": CALLER_DB,
            "bot_threshold_db": BOT_DB,
            "max_latency_s": MAX_LATENCY_S,
            "p95_limit_s": P95_LIMIT_S,
            "caller_jitter_buffer_frames": JITTER_BUFFER,
            "plan": asdict(plan),
        },
        "wall_s": round(time.perf_counter() - started, 1),
        **figures,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "live_calls.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    brief = {k: report[k] for k in ("machine", "wall_s", "max_concurrent_calls")}
    brief["single_call"] = {k: v for k, v in figures["single_call"].items() if k != "detail"}
    brief["alignment"] = {
        k: v for k, v in figures["alignment"].items() if k != "barge_in_stop_values_s"
    }
    print(json.dumps(brief, ensure_ascii=False))


if __name__ == "__main__":
    main()
