"""Soak benchmark (not a test): N minutes of 8 simultaneous voicebot calls from SIP
callers, round after round, on the real stack; failed calls, the controller's memory
growth per hour and its open file descriptors. Writes ``soak.json`` under ``--out``.

    .venv/bin/python tests/bench/bench_soak.py --out bench-results [--minutes 30] [--calls 8]

The stack, the callers and the judgement of each call are the live-call benchmark's
(``tests/bench/bench_live_calls.py``, imported, not copied): Asterisk 22 from the
provisioned root on the ports shifted by ``GUICHET_BENCH_PORT_OFFSET``, one
``guichet controller run`` for the whole soak, night mode (every call to the
voicebot), baresip callers speaking questions of the demo knowledge base and hanging
up when their script ends. Each round places ``--calls`` calls together (their
scripts shifted by a fraction of a question cycle), waits for all to end, analyses
them, and starts the next, until the time is up.

A call fails when it is not established, the far end drops it, the controller does
not end it or ends it otherwise than by the caller's hang-up (an error, a stuck
call); turns the bot did not answer within the live-call benchmark's 4.5 s are
counted apart (``unanswered_turns``, with the latency figures): on a machine shared
with other work they say more about the CPU than about a fault. The controller's RSS
and open file descriptors are read from /proc after the first round (the models and
the index are loaded by then) and after each round; the growth per hour is the slope
of a least-squares line through those samples.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# the live-call benchmark sets the stack's port offset when imported: import it first
from tests.bench.bench_live_calls import (  # noqa: E402
    GAP_S,
    QUESTIONS,
    CallReport,
    callers,
    ingest_kb,
    latencies,
    run_calls,
    stats,
    synthesize,
)
from tests.integration.stack import Stack, start_stack  # noqa: E402
from tests.support.machine import machine  # noqa: E402
from tests.support.processes import WatchedProcess  # noqa: E402

QUESTIONS_PER_CALL = 3
FAILED_LIMIT = 0.001  # at most 0.1 % of calls


@dataclass(frozen=True)
class Sample:
    at_s: float  # since the soak started
    rss_mb: float
    fds: int


def controller_pid(home: Path) -> int:
    """The ``guichet controller run`` serving this stack (its data directory)."""
    wanted = f"GUICHET_HOME={home}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if b"controller\0run" not in cmdline:
                continue
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                return int(entry.name)
        except OSError:
            continue  # gone, or not ours to read
    raise RuntimeError(f"no controller process for {home}")


def sample(pid: int, started: float) -> Sample:
    rss_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return Sample(round(time.monotonic() - started, 1), round(rss_kb / 1024, 1), fds)


def growth_per_hour(samples: list[Sample]) -> float | None:
    """MB per hour: the slope of a least-squares line through the samples."""
    if len(samples) < 2 or samples[-1].at_s - samples[0].at_s <= 0:
        return None
    t = np.array([s.at_s for s in samples]) / 3600
    rss = np.array([s.rss_mb for s in samples])
    slope = np.polyfit(t, rss, 1)[0]
    return round(float(slope), 1)


def asterisk_rss_mb(stack: Stack) -> float | None:
    try:
        pid = int(stack.asterisk.pid_file.read_text().strip())
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        return None
    return None


def call_failure(call: CallReport) -> str | None:
    """Why a call failed as a call (setup, a drop, the controller's end); None for a
    call that went through, even if a turn was slow or its audio could not be
    analysed (those are counted apart)."""
    if not call.established:
        return f"not established ({call.closed_reason})"
    if call.failure and call.failure.startswith("dropped by the far end"):
        return call.failure
    if call.call_id is None:
        return "the controller did not answer it with the voicebot"
    if call.controller_end is None:
        return "the controller did not end the call (stuck)"
    if call.controller_end != "caller_hangup":
        return f"the controller ended it: {call.controller_end}"
    return None


async def soak(minutes: float, per_round: int, work: Path) -> dict[str, Any]:
    speech = synthesize([q for q, _ in QUESTIONS], work / "speech")
    stack = start_stack(work / "home", kb_index=str(ingest_kb(work / "kb")))
    controller: WatchedProcess | None = None
    rounds: list[dict[str, Any]] = []
    calls: list[CallReport] = []
    samples: list[Sample] = []
    asterisk: list[float | None] = []
    try:
        stack.base_env.update(silence_timeout_s="60", max_silences="3", max_turns="50")
        stack.guichet("mode", "night")
        controller = await stack.start_controller()
        pid = controller_pid(stack.home)
        started = time.monotonic()
        deadline = started + minutes * 60
        index = 0
        while time.monotonic() < deadline or index == 0:
            group = callers(f"r{index}", per_round, QUESTIONS_PER_CALL, index * per_round)
            folder = work / "calls" / f"r{index}"
            reports = await run_calls(stack, controller, folder, group, speech)
            shutil.rmtree(folder, ignore_errors=True)  # a 30-minute soak fills a disk
            calls += reports
            samples.append(sample(pid, started))
            asterisk.append(asterisk_rss_mb(stack))
            round_failed = [c.label for c in reports if call_failure(c)]
            rounds.append(
                {
                    "round": index,
                    "at_s": samples[-1].at_s,
                    "failed_calls": round_failed,
                    "latency_s": stats(latencies(reports)),
                    "rss_mb": samples[-1].rss_mb,
                    "fds": samples[-1].fds,
                }
            )
            print(json.dumps(rounds[-1]), flush=True)
            index += 1
    finally:
        if controller is not None:
            await controller.stop()
            (work / "controller.log").write_text(controller.output)
        stack.asterisk.stop()
    failed = [c for c in calls if call_failure(c)]
    after_warmup = samples[1:] if len(samples) > 2 else samples
    unanswered = sum(1 for c in calls for t in c.turns if t.failure)
    return {
        "calls": len(calls),
        "rounds": len(rounds),
        "failed_calls": len(failed),
        "failed_ratio": round(len(failed) / len(calls), 5) if calls else None,
        "failures": [f"{c.label}: {call_failure(c)}" for c in failed],
        "unanalysed_calls": sum(1 for c in calls if c.failure and not call_failure(c)),
        "unanswered_turns": unanswered,
        "turns": sum(len(c.turns) for c in calls),
        "latency_s": stats(latencies(calls)),
        "controller": {
            "rss_mb_start": samples[0].rss_mb if samples else None,
            "rss_mb_end": samples[-1].rss_mb if samples else None,
            "rss_growth_mb_per_hour": growth_per_hour(after_warmup),
            # the last half alone: a one-off step while caches fill (an allocator arena,
            # a model's buffers) weighs heavily on a short run's slope
            "rss_growth_mb_per_hour_last_half": growth_per_hour(
                samples[len(samples) // 2 :] if len(samples) >= 4 else samples
            ),
            "fds_start": samples[0].fds if samples else None,
            "fds_end": samples[-1].fds if samples else None,
            "samples": [asdict(s) for s in samples],
        },
        "asterisk_rss_mb": {"start": asterisk[0], "end": asterisk[-1]} if asterisk else None,
        "passed": bool(calls) and len(failed) / len(calls) <= FAILED_LIMIT,
        "round_detail": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--calls", type=int, default=8, help="simultaneous calls per round")
    parser.add_argument("--keep", action="store_true", help="keep the controller's log")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    started = time.perf_counter()
    try:
        figures = asyncio.run(soak(args.minutes, args.calls, work))
    finally:
        if args.keep:
            print(f"controller log kept in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "benchmark": "soak",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "method": {
            "minutes": args.minutes,
            "simultaneous_calls": args.calls,
            "questions_per_call": QUESTIONS_PER_CALL,
            "gap_s": GAP_S,
            "failed_limit": FAILED_LIMIT,
        },
        "wall_s": round(time.perf_counter() - started, 1),
        **figures,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    brief = {k: v for k, v in report.items() if k not in ("round_detail", "machine")}
    brief["controller"] = {k: v for k, v in figures["controller"].items() if k != "samples"}
    print(json.dumps(brief, ensure_ascii=False))


if __name__ == "__main__":
    main()
