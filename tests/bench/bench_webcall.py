"""Web-call benchmark (not a test): the call button's voice-to-voice latency measured
at the browser, next to the phone's (``live_calls.json`` of
``tests/bench/bench_live_calls.py``). Writes ``webcall.json`` under ``--out``.

    .venv/bin/python tests/bench/bench_webcall.py --out bench-results [--quick]

Parts: the web app (uvicorn) with the call button's service and the real voicebot
(Whisper base, the demo knowledge base, the bot's TTS) in this process, as ``guichet
up`` runs them; Debian's Chromium (``tests/support/browser.py``) whose fake microphone
plays a script: 1 s of silence, then the phone bench's French questions (MBROLA fr4,
never the bot's voice), each followed by the same 5 s gap (the next question talks
over the answer: a barge-in). No Asterisk: the bot's part of a web call never
touches it.

Method. The page mixes two things into ONE AudioContext (one clock, sample-aligned):
channel 0 the microphone track the call sends, channel 1 the remote track the call
plays (after the network and the jitter buffer: what the visitor hears). The
caller's speech segments are channel 0's 20 ms frames above -50 dBFS (the fake
microphone's silence is digital zero), pauses under 0.6 s merged; the bot's onset
after a question is channel 1's first frame above -40 dBFS after the question's end
``e``; latency = onset - ``e``. As on the phone bench: no onset within 4.5 s or
before the next question is a failed turn, and so is a bot still talking at ``e``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["GUICHET_TEST_PORT_OFFSET"] = os.environ.get("GUICHET_BENCH_PORT_OFFSET", "170")

from agent_softphone.app import create_app  # noqa: E402
from agent_softphone.state import AppState  # noqa: E402
from agent_softphone.webcall import WebCalls  # noqa: E402
from guichet.casefile.repository import CaseRepository  # noqa: E402
from guichet.runner import bind_tcp  # noqa: E402
from guichet.settings import load_settings  # noqa: E402
from guichet.store import open_store  # noqa: E402
from pbx.service import load_knowledge  # noqa: E402
from pbx.webcall import WebPipelines  # noqa: E402
from tests.bench.bench_live_calls import (  # noqa: E402
    BOT_DB,
    CALLER_DB,
    GAP_S,
    LEAD_S,
    MAX_LATENCY_S,
    MERGE_GAP_S,
    MIN_SEGMENT_S,
    QUESTIONS,
)
from tests.integration.stack import GUICHET, stack_env  # noqa: E402
from tests.support.audio import rms_envelope, write_wav  # noqa: E402
from tests.support.browser import browser_context, served_page  # noqa: E402
from tests.support.machine import machine  # noqa: E402
from tests.support.served import serving  # noqa: E402
from tests.support.speech import LINE_RATE, caller_sentence  # noqa: E402
from voicebot import shared_engines  # noqa: E402

FloatArray = npt.NDArray[np.float32]
FRAME_S = 0.02
TAIL_S = 6.0
DEMO_CARDS = ROOT / "knowledge" / "demo" / "cards"

PAGE = """<!doctype html><html lang="fr"><meta charset="utf-8"><title>bench</title>
<script src="/webcall/call.js"></script>
<script>
window.blocks = []; window.rate = 0;
window.startBench = async function () {
  const ctx = new AudioContext();
  window.rate = ctx.sampleRate;
  const merger = ctx.createChannelMerger(2);
  const node = ctx.createScriptProcessor(4096, 2, 2);
  node.onaudioprocess = (e) => {
    window.blocks.push([new Float32Array(e.inputBuffer.getChannelData(0)),
                        new Float32Array(e.inputBuffer.getChannelData(1))]);
  };
  merger.connect(node); node.connect(ctx.destination);
  window.call = await GuichetCall.startCall({
    base: "", lang: "fr",
    onRemoteStream: (stream) => {
      ctx.createMediaStreamSource(stream).connect(merger, 0, 1);
      const audio = new Audio(); audio.muted = true; audio.srcObject = stream; audio.play();
    },
  });
  const mic = new MediaStream([window.call.pc.getSenders()[0].track]);
  ctx.createMediaStreamSource(mic).connect(merger, 0, 0);
  return window.call.id;
};
window.take = function (channel) {
  const total = window.blocks.reduce((n, b) => n + b[channel].length, 0);
  const pcm = new Int16Array(total); let at = 0;
  for (const b of window.blocks) {
    for (let i = 0; i < b[channel].length; i++) {
      pcm[at++] = Math.max(-1, Math.min(1, b[channel][i])) * 32767;
    }
  }
  let text = ""; const bytes = new Uint8Array(pcm.buffer);
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  }
  return btoa(text);
};
</script></html>"""


def microphone(path: Path, questions: Sequence[str], workdir: Path) -> float:
    """The caller's script; returns its length (s)."""
    pieces: list[FloatArray] = [np.zeros(int(LEAD_S * LINE_RATE), dtype=np.float32)]
    for index, text in enumerate(questions):
        pieces.append(caller_sentence(text, workdir / f"q{index}.wav", "fr", "mb-fr4"))
        gap = TAIL_S if index == len(questions) - 1 else GAP_S
        pieces.append(np.zeros(int(gap * LINE_RATE), dtype=np.float32))
    samples = np.concatenate(pieces)
    write_wav(path, samples, LINE_RATE)
    return len(samples) / LINE_RATE


def segments(env_db: FloatArray, threshold_db: float) -> list[tuple[float, float]]:
    found: list[tuple[float, float]] = []
    active = np.flatnonzero(env_db > threshold_db)
    for index in active:
        start, end = index * FRAME_S, (index + 1) * FRAME_S
        if found and start - found[-1][1] < MERGE_GAP_S:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))
    return [s for s in found if s[1] - s[0] >= MIN_SEGMENT_S]


def db(x: FloatArray, rate: int) -> FloatArray:
    env = rms_envelope(x, rate, FRAME_S * 1000)
    out: FloatArray = (20 * np.log10(np.maximum(env, 1e-9))).astype(np.float32)
    return out


def latencies(
    mic: FloatArray, heard: FloatArray, rate: int, questions: int
) -> tuple[list[float], list[str]]:
    mic_db, heard_db = db(mic, rate), db(heard, rate)
    # the fake microphone loops its file: what follows the script is not measured
    spoken = segments(mic_db, CALLER_DB)[:questions]
    failures: list[str] = []
    if len(spoken) != questions:
        failures.append(f"{len(spoken)} caller segments for {questions} questions")
    found: list[float] = []
    for index, (_start, end) in enumerate(spoken):
        limit = end + MAX_LATENCY_S
        if index + 1 < len(spoken):
            limit = min(limit, spoken[index + 1][0])
        at_end = int(end / FRAME_S)
        if at_end < len(heard_db) and heard_db[max(0, at_end - 3) : at_end].max() > BOT_DB:
            failures.append(f"question {index}: bot talking at end of question")
            continue
        after = np.flatnonzero(heard_db[at_end:] > BOT_DB)
        onset = None if after.size == 0 else end + after[0] * FRAME_S
        if onset is None or onset > limit:
            failures.append(f"question {index}: no answer within {limit - end:.1f} s")
            continue
        found.append(round(onset - end, 3))
    return found, failures


def percentiles(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"median": None, "p95": None, "max": None, "n": 0}
    arr = np.asarray(values)
    return {
        "median": round(float(np.median(arr)), 3),
        "p95": round(float(np.percentile(arr, 95)), 3),
        "max": round(float(arr.max()), 3),
        "n": len(values),
    }


async def one_call(base: str, questions: Sequence[str], workdir: Path) -> dict[str, Any]:
    mic_path = workdir / "mic.wav"
    length = microphone(mic_path, questions, workdir)
    async with browser_context(microphone=mic_path, workdir=workdir) as context:
        page = await served_page(context, f"{base}/bench", PAGE)
        await page.evaluate("window.startBench()")
        # until the page has recorded the whole script (and a second of the answer's
        # tail): the recorded audio is the call's clock, not a sleep
        await page.wait_for_function(
            "(s) => window.blocks.reduce((n, b) => n + b[0].length, 0) >= window.rate * s",
            arg=length + 1.0,
            polling=100,
            timeout=(length + 60) * 1000,
        )
        rate = int(await page.evaluate("window.rate"))
        channels = []
        for channel in (0, 1):
            raw = base64.b64decode(await page.evaluate(f"window.take({channel})"))
            channels.append((np.frombuffer(raw, dtype="<i2") / 32768).astype(np.float32))
        await page.evaluate("window.call.hangup()")
    write_wav(workdir / "mic-captured.wav", channels[0], rate)
    write_wav(workdir / "heard.wav", channels[1], rate)
    found, failures = latencies(channels[0], channels[1], rate, len(questions))
    return {"questions": list(questions), "latency_s": found, "failures": failures}


async def run(out: Path, quick: bool) -> dict[str, Any]:
    calls, per_call = (1, 3) if quick else (3, 7)
    with tempfile.TemporaryDirectory(prefix="bench-webcall-") as tmp:
        home = Path(tmp) / "home"
        index = home / "kb-index"
        env = stack_env(home)
        subprocess.run(
            [GUICHET, "kb", "ingest", str(DEMO_CARDS), "--index", str(index)],
            env=env,
            check=True,
            capture_output=True,
        )
        settings = load_settings(stack_env(home, kb_index=str(index)))
        store = open_store(settings.store_url)
        knowledge = await asyncio.to_thread(load_knowledge, settings)
        # loaded before the first call, as ``guichet up`` does at start
        await asyncio.to_thread(shared_engines, settings)
        webcalls = WebCalls(
            settings=settings,
            cases=CaseRepository(store),
            make_pipeline=WebPipelines(settings, knowledge),
        )
        sock = bind_tcp("127.0.0.1", settings.web_port, "web app")
        app = create_app(AppState(store, settings=settings, webcalls=webcalls))
        base = f"http://127.0.0.1:{settings.web_port}"
        started = time.monotonic()
        reports = []
        try:
            # its lifespan on, as `guichet up` serves it
            async with serving(app, sock):
                for number in range(calls):
                    questions = [
                        QUESTIONS[(number + i) % len(QUESTIONS)][0] for i in range(per_call)
                    ]
                    workdir = Path(tmp) / f"call{number}"
                    workdir.mkdir()
                    reports.append(await one_call(base, questions, workdir))
        finally:
            await webcalls.aclose()
            store.close()
    web = [v for r in reports for v in r["latency_s"]]
    phone: Any = None
    phone_file = out / "live_calls.json"
    if phone_file.exists():
        single = json.loads(phone_file.read_text())["single_call"]
        phone = {
            "latency_s": single["latency_s"],
            "from": str(phone_file),
            "at": "caller (baresip)",
        }
    return {
        "benchmark": "webcall",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine(),
        "method": __doc__.split("Method.")[1].strip() if __doc__ else "",
        "wall_s": round(time.monotonic() - started, 1),
        # this machine is shared: the latency depends on what else runs
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "web": {
            "latency_s": percentiles(web),
            "at": "browser (Chromium, WebAudio)",
            "failed_turns": sum(len(r["failures"]) for r in reports),
            "calls": reports,
        },
        "phone": phone,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(args.out, args.quick))
    (args.out / "webcall.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps({"web": result["web"]["latency_s"], "phone": result["phone"]}, indent=2))


if __name__ == "__main__":
    main()
