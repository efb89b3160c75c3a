"""Where the caller-side latency goes (benchmark, not a test): the same calls measured on
the wire and in the test caller's recording, turn by turn, for several caller jitter
buffers, with the controller's steady RTP on and off. Writes ``caller_buffer.json``
under ``--out`` and prints the comparison table.

    GUICHET_BENCH_PORT_OFFSET=800 .venv/bin/python tests/bench/bench_caller_buffer.py \\
        --out bench-results [--calls 1] [--buffers 5-10,0,2-10] [--steady on,off]

Each call is one caller of ``bench_live_calls`` (1 s of silence, 3 questions, each
next question barging in on the answer), placed with baresip's ``jitter_buffer_delay``
set to one of ``--buffers`` (frames; "0" = no jitter buffer), while tcpdump keeps both
directions of the call's RTP on loopback (``tests/support/rtp_capture.py``).

Per turn, on one timeline (the sent dump's, as ``bench_live_calls`` places it; tcpdump's
epoch stamps are moved onto it through the monotonic clock):

* ``wire_s``: from the caller's last loud packet of the question (-50 dBFS, decoded
  G.711) to Asterisk's first loud packet after it (-40 dBFS): what any phone receives;
* ``caller_s``: ``bench_live_calls``' latency, from the caller's dumps;
* ``difference_s`` = caller - wire, split into ``send_offset_s`` (the caller's last loud
  packet on the wire minus the end of its speech in the sent dump, ~0) and
  ``onset_hold_s`` (when the onset frame was written to the heard dump minus when the
  packet the caller took for the onset crossed the wire);
* ``stale_onset``: the heard onset frame is *not* new speech but a packet that crossed
  the wire before the question ended (the tail of the interrupted answer, released
  from the jitter buffer by the answer's first packets);
* barge-in stop, on the wire and at the caller.

Each heard frame is tied to its RTP packet by content: baresip's G.711 decoder and
:meth:`RtpPacket.pcm` give the same samples, so a loud frame matches one packet exactly.
``hold_s`` is the spread of (written - crossed the wire) over every matched frame of the
call: the caller's own buffering, independent of speech detection. Inter-arrival times
of Asterisk's packets are given apart for bot silence and bot speech (speech: within
0.2 s of a loud packet), with |D| of RFC 3550 (arrival spacing minus RTP timestamp
spacing) for each.

Steady RTP "off" runs the controller with ``PYTHONPATH`` pointing at a generated
``sitecustomize`` that replaces ``SteadyLink._fill`` with a no-op, for that process only:
the source tree is not patched.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import bench_live_calls as live  # noqa: E402  (sets the port offset)
from tests.integration.stack import GUICHET, Stack, start_stack  # noqa: E402
from tests.support.audio import read_wav, write_wav  # noqa: E402
from tests.support.machine import machine  # noqa: E402
from tests.support.processes import WatchedProcess  # noqa: E402
from tests.support.rtp_capture import Flow, RtpCapture  # noqa: E402
from tests.support.sip_caller import CallSession  # noqa: E402

FloatArray = npt.NDArray[np.float64]

QUESTIONS_PER_CALL = 3
SPEECH_MARGIN_PACKETS = 10  # a packet within 0.2 s of a loud one is "bot speech"
TOO_LATE_S = 0.03  # an inter-arrival time above this is a missed 20 ms tick
CLOCK_SLACK_S = 0.005  # DumpClock's polling period: a write time is known to +-2.5 ms
STEADY_OFF = '''"""bench_caller_buffer: this controller sends no silence (steady RTP off)."""
from pbx.calls import steady_link


async def _no_fill(self: object) -> None:
    return None


steady_link.SteadyLink._fill = _no_fill  # type: ignore[method-assign]
'''


@dataclass
class TurnCompare:
    question: str
    caller_s: float | None
    said_s: tuple[float, float] = (0.0, 0.0)  # the question in the sent dump
    wire_s: float | None = None
    difference_s: float | None = None
    send_offset_s: float | None = None
    onset_hold_s: float | None = None
    stale_onset: bool | None = None
    barge_in_stop_caller_s: float | None = None
    barge_in_stop_wire_s: float | None = None
    failure: str | None = None


@dataclass
class CallCompare:
    steady: str
    buffer: str
    label: str
    turns: list[TurnCompare] = field(default_factory=list)
    hold_s: dict[str, float | int | None] = field(default_factory=dict)
    matched_frames: int = 0
    loud_frames: int = 0
    interarrival: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    largest_gap_s: float | None = None
    late_packets: list[tuple[float, float]] = field(default_factory=list)  # (at, gap) s
    failure: str | None = None


# --- wire -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WirePackets:
    """One direction of the call: arrival (sent timeline, s), level (dBFS), samples."""

    at: FloatArray
    level_db: FloatArray
    timestamp: npt.NDArray[np.int64]
    pcm: list[bytes]

    @classmethod
    def of(cls, flow: Flow, shift_s: float) -> WirePackets:
        at: list[float] = []
        level: list[float] = []
        stamp: list[int] = []
        pcm: list[bytes] = []
        for packet in flow.packets:
            rtp = packet.rtp()
            if rtp is None or rtp.payload_type not in (0, 8):
                continue  # RTCP, DTMF events
            samples = rtp.pcm()
            rms = float(np.sqrt(np.mean((samples.astype(np.float64) / 32768.0) ** 2)))
            at.append(packet.at - shift_s)
            level.append(20 * float(np.log10(max(rms, 1e-9))))
            stamp.append(rtp.timestamp)
            pcm.append(samples.tobytes())
        return cls(np.asarray(at), np.asarray(level), np.asarray(stamp, dtype=np.int64), pcm)

    def loud(self, threshold_db: float, a: float, b: float) -> FloatArray:
        """Arrival times of the packets above ``threshold_db`` in [a, b)."""
        picked: FloatArray = self.at[
            (self.level_db > threshold_db) & (self.at >= a) & (self.at < b)
        ]
        return picked


def epoch_minus_monotonic() -> float:
    """time.time() - time.monotonic(), read tightly (tcpdump stamps in epoch time)."""
    best: tuple[float, float] | None = None
    for _ in range(20):
        a = time.monotonic()
        now = time.time()
        b = time.monotonic()
        if best is None or b - a < best[0]:
            best = (b - a, now - (a + b) / 2)
    assert best is not None
    return best[1]


def interarrival(to_caller: WirePackets) -> dict[str, dict[str, float | int | None]]:
    """Inter-arrival times (ms) of Asterisk's packets, in bot silence and in bot speech."""
    loud = to_caller.level_db > live.BOT_DB
    near = np.convolve(loud, np.ones(2 * SPEECH_MARGIN_PACKETS + 1), mode="same") > 0
    gaps = np.diff(to_caller.at) * 1000
    # RFC 3550's D: arrival spacing minus RTP timestamp spacing (8 kHz)
    d = gaps - np.diff(to_caller.timestamp) / 8.0
    out: dict[str, dict[str, float | int | None]] = {}
    for name, mask in (("silence", ~near[1:]), ("speech", near[1:])):
        g, dd = gaps[mask], np.abs(d[mask])
        dd = dd[dd < 1000]  # not across a talk-spurt jump of the timestamps
        out[name] = {
            "n": int(g.size),
            "mean_ms": round(float(g.mean()), 2) if g.size else None,
            "p95_ms": round(float(np.percentile(g, 95)), 2) if g.size else None,
            "max_ms": round(float(g.max()), 2) if g.size else None,
            "min_ms": round(float(g.min()), 2) if g.size else None,
            "over_30ms": int((g > TOO_LATE_S * 1000).sum()),
            "abs_d_p95_ms": round(float(np.percentile(dd, 95)), 2) if dd.size else None,
            "abs_d_max_ms": round(float(dd.max()), 2) if dd.size else None,
        }
    return out


# --- matching the recording to the wire ------------------------------------------------


def heard_frames(path: Path) -> list[bytes]:
    samples, _ = read_wav(path)
    pcm = np.round(samples * 32768.0).astype(np.int16)
    # baresip's G.711 table (librem) decodes the mu-law zero codes to +-2, the standard
    # one (RtpPacket.pcm) to 0; no other code decodes to +-2
    pcm[np.abs(pcm) == 2] = 0
    count = len(pcm) // live.FRAME
    return [pcm[k * live.FRAME : (k + 1) * live.FRAME].tobytes() for k in range(count)]


def match_frames(heard: list[bytes], placed: FloatArray, wire: WirePackets) -> dict[int, int]:
    """Heard frame index -> packet index, for loud frames. The same audio can cross the
    wire more than once (each answer may start with the same words): a frame is then
    the latest such packet that had arrived when the frame was written."""
    by_content: dict[bytes, list[int]] = {}
    for index, pcm in enumerate(wire.pcm):
        if wire.level_db[index] > live.CALLER_DB:
            by_content.setdefault(pcm, []).append(index)
    found: dict[int, int] = {}
    for k, pcm in enumerate(heard):
        packets = by_content.get(pcm)
        if not packets or k >= len(placed) or np.isnan(placed[k]):
            continue
        arrived = [p for p in packets if wire.at[p] <= placed[k] + CLOCK_SLACK_S]
        if arrived:
            found[k] = arrived[-1]
    return found


def pick_to_caller(capture: RtpCapture, heard: list[bytes]) -> Flow | None:
    """The flow the caller decoded (the most sounding frames in common with its
    recording; silence, all zeros, is in every flow)."""
    wanted = {pcm for pcm in heard if any(pcm)}
    best, score = None, 0
    for flow in capture.flows():
        common = sum(
            1
            for p in flow.packets
            if (rtp := p.rtp()) is not None
            and rtp.payload_type in (0, 8)
            and rtp.pcm().tobytes() in wanted
        )
        if common > score:
            best, score = flow, common
    return best


# --- one call ---------------------------------------------------------------------------


def compare_turn(
    turn: live.Turn,
    next_start: float | None,
    to_caller: WirePackets,
    from_caller: WirePackets,
    placed: FloatArray,
    matches: dict[int, int],
) -> TurnCompare:
    out = TurnCompare(
        turn.question,
        turn.latency_s,
        (turn.caller_start_s, turn.caller_end_s),
        barge_in_stop_caller_s=turn.barge_in_stop_s,
    )
    said = from_caller.loud(live.CALLER_DB, turn.caller_start_s - 0.2, turn.caller_end_s + 0.2)
    if not said.size:
        out.failure = "the question is not on the wire"
        return out
    wire_start, wire_end = float(said.min()) - live.FRAME_S, float(said.max())
    out.send_offset_s = round(wire_end - turn.caller_end_s, 3)
    if to_caller.loud(live.BOT_DB, wire_start - live.BARGE_LOOKBACK_S, wire_start).size:
        last = to_caller.loud(live.BOT_DB, wire_start, wire_end)
        out.barge_in_stop_wire_s = (
            round(float(last.max()) + live.FRAME_S - wire_start, 3) if last.size else 0.0
        )
    limit = wire_end + live.MAX_LATENCY_S
    if next_start is not None:
        limit = min(limit, next_start)
    if to_caller.loud(live.BOT_DB, wire_end - live.FRAME_S, wire_end + 1e-4).size:
        out.failure = "bot on the wire at end of question"
        return out
    onsets = to_caller.loud(live.BOT_DB, wire_end + 1e-4, limit)
    if not onsets.size:
        out.failure = "no bot speech on the wire"
        return out
    onset = float(onsets.min())
    out.wire_s = round(onset - wire_end, 3)
    if turn.latency_s is None:
        return out
    out.difference_s = round(turn.latency_s - out.wire_s, 3)
    heard_onset = turn.caller_end_s + turn.latency_s
    out.onset_hold_s = round(heard_onset - onset, 3)
    frame = int(np.nanargmin(np.abs(placed - heard_onset)))
    if frame in matches:
        out.stale_onset = bool(to_caller.at[matches[frame]] < wire_end)
    return out


def compare_call(
    report: live.CallReport,
    session: CallSession,
    clock: live.DumpClock,
    capture: RtpCapture,
    epoch_shift: float,
    steady: str,
    buffer: str,
) -> CallCompare:
    out = CallCompare(steady, buffer, report.label)
    result = session.result()
    if report.failure or result.sent is None or result.recording is None:
        out.failure = report.failure or "no dumps"
        return out
    sent, _ = read_wav(result.sent)
    heard, _ = read_wav(result.recording)
    origin = live.sent_origin(clock, result.sent, len(sent))
    placed = live.place_heard(report, clock, result, sent, heard)
    if origin is None or placed is None:
        out.failure = "the dumps were not seen growing"
        return out
    shift = epoch_shift + origin[0]  # epoch -> sent timeline
    frames = heard_frames(result.recording)
    flow = pick_to_caller(capture, frames)
    back = capture.reverse(flow) if flow is not None else None
    if flow is None or back is None:
        out.failure = "the call's RTP was not captured both ways"
        return out
    to_caller, from_caller = WirePackets.of(flow, shift), WirePackets.of(back, shift)
    np.savez(  # kept with the call's dumps (--keep)
        session.dir / "wire.npz",
        to_at=to_caller.at,
        to_pcm=np.frombuffer(b"".join(to_caller.pcm), dtype=np.int16),
        from_at=from_caller.at,
        from_level=from_caller.level_db,
        placed=placed,
    )
    out.largest_gap_s = round(flow.largest_gap_s, 3)
    gaps = np.diff(to_caller.at)
    out.late_packets = [
        (round(float(to_caller.at[i + 1]), 3), round(float(gaps[i]), 3))
        for i in np.flatnonzero(gaps > TOO_LATE_S)
    ]
    out.interarrival = interarrival(to_caller)
    matches = match_frames(frames, placed, to_caller)
    loud = live.active_frames(heard, live.CALLER_DB)
    out.loud_frames = int(loud.sum())
    out.matched_frames = len(matches)
    holds = [placed[k] - to_caller.at[p] for k, p in matches.items() if not np.isnan(placed[k])]
    out.hold_s = live.stats(holds) | {
        "p5": round(float(np.percentile(holds, 5)), 3) if holds else None
    }
    starts = [t.caller_start_s for t in report.turns]
    for index, turn in enumerate(report.turns):
        following = starts[index + 1] if index + 1 < len(starts) else None
        out.turns.append(compare_turn(turn, following, to_caller, from_caller, placed, matches))
    return out


async def place(
    stack: Stack,
    controller: WatchedProcess,
    workdir: Path,
    caller: live.Caller,
    speech: dict[str, npt.NDArray[np.float32]],
    buffer: str,
    steady: str,
) -> tuple[live.CallReport, CallCompare]:
    workdir.mkdir(parents=True, exist_ok=True)
    texts = [q for q, _ in caller.questions]
    report = live.CallReport(caller.label, texts, caller.lead_s)
    mic = live.script(speech, texts, caller.lead_s)
    mic_path = write_wav(workdir / f"{caller.label}-mic.wav", mic, live.RATE)
    length_s = len(mic) / live.RATE
    mark = len(controller.lines)
    settings = stack.settings
    before = epoch_minus_monotonic()
    async with (
        RtpCapture(settings.rtp_start, settings.rtp_end, both_ways=True) as capture,
        CallSession(
            stack.sip_target("3000"),
            workdir=workdir,
            user=caller.number,
            audio_in=mic_path,
            max_duration_s=length_s - live.MIC_PAD_S,
            jitter_buffer=buffer,
        ) as session,
    ):
        with live.DumpClock(session.dumps) as clock, contextlib.suppress(TimeoutError):
            if await session.wait_established(20):
                await session.wait_closed(length_s + 30)
    shift = (before + epoch_minus_monotonic()) / 2
    result = session.result()
    # one call at a time: the controller's log since the dial names it
    answered = [
        m.group(1)
        for line in controller.lines[mark:]
        if (m := re.search(r"call (\S+): answered -> ", line))
    ]
    report.call_id = answered[0] if len(answered) == 1 else None
    if report.call_id is not None:
        report.controller_end = await live.controller_end(controller, report.call_id, mark)
    live.judge_close(report, result)
    if report.established:
        live.analyse(report, result, mic, clock)
    return report, compare_call(report, session, clock, capture, shift, steady, buffer)


async def start_controller(stack: Stack, steady: str, work: Path) -> WatchedProcess:
    env = stack.env()
    if steady == "off":
        patch = work / "steady-off"
        patch.mkdir(exist_ok=True)
        (patch / "sitecustomize.py").write_text(STEADY_OFF)
        env["PYTHONPATH"] = str(patch)
    proc = await WatchedProcess([GUICHET, "controller", "run"], env).start()
    await proc.wait_for_line(r"controller ready", timeout=60)
    return proc


# --- summary ----------------------------------------------------------------------------


def values(calls: list[CallCompare], name: str) -> list[float]:
    return [v for c in calls for t in c.turns if isinstance(v := getattr(t, name), float)]


def pooled_interarrival(calls: list[CallCompare], kind: str) -> dict[str, float | int | None]:
    parts = [c.interarrival[kind] for c in calls if c.interarrival.get(kind, {}).get("n")]
    if not parts:
        return {"n": 0}
    n = sum(int(p["n"] or 0) for p in parts)
    mean = sum(float(p["mean_ms"] or 0) * int(p["n"] or 0) for p in parts) / n
    return {
        "n": n,
        "mean_ms": round(mean, 2),
        "p95_ms": max(float(p["p95_ms"] or 0) for p in parts),  # the worst call's
        "max_ms": max(float(p["max_ms"] or 0) for p in parts),
        "min_ms": min(float(p["min_ms"] or 0) for p in parts),
        "over_30ms": sum(int(p["over_30ms"] or 0) for p in parts),
        "abs_d_p95_ms": max(float(p["abs_d_p95_ms"] or 0) for p in parts),
        "abs_d_max_ms": max(float(p["abs_d_max_ms"] or 0) for p in parts),
    }


def summarise(calls: list[CallCompare]) -> dict[str, Any]:
    holds = [c.hold_s.get("median") for c in calls if c.hold_s.get("median") is not None]
    stale = [t.stale_onset for c in calls for t in c.turns if t.stale_onset is not None]
    return {
        "turns": sum(len(c.turns) for c in calls),
        "failures": [f"{c.label}: {c.failure}" for c in calls if c.failure]
        + [f"{c.label}: {t.failure}" for c in calls for t in c.turns if t.failure],
        "wire_s": live.stats(values(calls, "wire_s")),
        "caller_s": live.stats(values(calls, "caller_s")),
        "difference_s": live.stats(values(calls, "difference_s")),
        "send_offset_s": live.stats(values(calls, "send_offset_s")),
        "onset_hold_s": live.stats(values(calls, "onset_hold_s")),
        "stale_onsets": f"{sum(stale)}/{len(stale)}",
        "frame_hold_median_s": [float(h) for h in holds if h is not None],
        "matched_frames": f"{sum(c.matched_frames for c in calls)}"
        f"/{sum(c.loud_frames for c in calls)}",
        "barge_in_stop_caller_s": live.stats(values(calls, "barge_in_stop_caller_s")),
        "barge_in_stop_wire_s": live.stats(values(calls, "barge_in_stop_wire_s")),
        "interarrival_silence": pooled_interarrival(calls, "silence"),
        "interarrival_speech": pooled_interarrival(calls, "speech"),
        "largest_gap_s": max((c.largest_gap_s or 0.0 for c in calls), default=None),
    }


def table(configs: list[dict[str, Any]]) -> str:
    def med(d: dict[str, Any]) -> str:
        return "-" if d.get("median") is None else f"{d['median']:.3f}"

    def ia(d: dict[str, Any]) -> str:
        if not d.get("n"):
            return "-"
        return f"{d['mean_ms']:.1f}/{d['p95_ms']:.1f}/{d['max_ms']:.0f}"

    rows = [
        "| steady | jbuf | turns | wire | caller | diff | onset hold | frame hold | stale "
        "| stop wire | stop caller | silence ia mean/p95/max ms | speech ia | gap max |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in configs:
        holds = c["frame_hold_median_s"]
        rows.append(
            f"| {c['steady']} | {c['buffer']} | {c['turns']} | {med(c['wire_s'])} "
            f"| {med(c['caller_s'])} | {med(c['difference_s'])} | {med(c['onset_hold_s'])} "
            f"| {np.median(holds):.3f} | {c['stale_onsets']} "
            f"| {med(c['barge_in_stop_wire_s'])} | {med(c['barge_in_stop_caller_s'])} "
            f"| {ia(c['interarrival_silence'])} | {ia(c['interarrival_speech'])} "
            f"| {c['largest_gap_s']} |"
            if holds
            else f"| {c['steady']} | {c['buffer']} | {c['turns']} | no data |"
        )
    return "\n".join(rows)


# --- main -------------------------------------------------------------------------------


async def bench(
    work: Path, calls: int, buffers: list[str], steadies: list[str]
) -> list[dict[str, Any]]:
    questions = [live.QUESTIONS[i % len(live.QUESTIONS)] for i in range(calls * 3)]
    speech = live.synthesize([q for q, _ in questions], work / "speech")
    stack = start_stack(work / "home", kb_index=str(live.ingest_kb(work / "kb")))
    results: list[dict[str, Any]] = []
    try:
        stack.base_env.update(silence_timeout_s="60", max_silences="3", max_turns="50")
        stack.guichet("mode", "night")
        for steady in steadies:
            controller = await start_controller(stack, steady, work)
            try:
                for buffer in buffers:
                    done: list[CallCompare] = []
                    for n in range(calls):
                        label = f"{steady}-{buffer}-{n}"
                        caller = live.callers(label, 1, QUESTIONS_PER_CALL, n * 3)[0]
                        _, compared = await place(
                            stack, controller, work / "calls", caller, speech, buffer, steady
                        )
                        done.append(compared)
                        print(
                            f"{label}: "
                            f"{[(t.wire_s, t.caller_s, t.failure) for t in compared.turns]} "
                            f"{compared.failure or ''}",
                            flush=True,
                        )
                    results.append(
                        {"steady": steady, "buffer": buffer, **summarise(done)}
                        | {"calls": [asdict(c) for c in done]}
                    )
            finally:
                await controller.stop()
                (work / f"controller-{steady}.log").write_text(controller.output)
    finally:
        stack.asterisk.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=1, help="calls per configuration")
    parser.add_argument("--buffers", default="5-10,0,2-10", help="jitter_buffer_delay values")
    parser.add_argument("--steady", default="on,off", help="steady RTP: on, off or both")
    parser.add_argument("--keep", action="store_true", help="keep the calls' audio and logs")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-caller-buffer-"))
    started = time.perf_counter()
    try:
        configs = asyncio.run(
            bench(work, args.calls, args.buffers.split(","), args.steady.split(","))
        )
    finally:
        if args.keep:
            print(f"calls kept in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "benchmark": "caller_buffer",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "wall_s": round(time.perf_counter() - started, 1),
        "configs": configs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "caller_buffer.json").write_text(json.dumps(report, indent=1))
    print(table(configs))


if __name__ == "__main__":
    main()
