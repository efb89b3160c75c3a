"""Wallboard benchmark (not a test): how long a change takes from the bus event to a
supervisor's wallboard socket, with 12 simultaneous calls. Writes
``wallboard.json`` under ``--out``.

    .venv/bin/python tests/bench/bench_wallboard.py --out bench-results [--calls 12]

The stack is ``guichet up`` itself (Asterisk 22 from the provisioned root, the
controller with Whisper and the demo knowledge base, the web app), on ports shifted by
``GUICHET_BENCH_PORT_OFFSET`` (default 560), in a throw-away data directory.

Method: a supervisor's websocket client on ``/api/wallboard`` (what the page opens).
A queue member that rings without answering (a bench-only Local extension) makes the
route send day-mode callers to the reception queue, where they wait. Half the callers
(baresip, MBROLA fr4, never the bot's voices) call in day mode and wait in the queue;
then night mode is set through ``POST /api/wallboard/mode`` and the other half call
and talk to the voicebot (a question every few seconds), all of them at once. Every
change the socket delivers carries its source event's time (``at``: for the queue's,
the time the queue monitor stamped on the AMI event; for a call's, when the controller
published it); the latency is the client's receive time minus ``at`` (one machine,
one clock). One event may redraw several rows (a call and its agent): each row
message counts. Reported: p50/p95/max per source event kind and over all, and how
many.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "GUICHET_TEST_PORT_OFFSET", os.environ.get("GUICHET_BENCH_PORT_OFFSET", "560")
)

import httpx  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from guichet.accounts import AccountRepository  # noqa: E402
from guichet.settings import Settings, load_settings  # noqa: E402
from guichet.store import open_store  # noqa: E402
from pbx.ami import AmiConfig, ami_session  # noqa: E402
from tests.integration.stack import GUICHET, stack_env  # noqa: E402
from tests.support.machine import machine  # noqa: E402
from tests.support.processes import WatchedProcess  # noqa: E402
from tests.support.sip_caller import CallSession  # noqa: E402
from tests.support.speech import caller_audio  # noqa: E402
from tests.web.login import form_token  # noqa: E402

PASSWORD = "bench wallboard password"
SUPERVISOR = "bench-sup"
HOLD_CONTEXT, HOLD_EXTEN = "wallboard-bench", "hold"
HOLD_MEMBER = f"Local/{HOLD_EXTEN}@{HOLD_CONTEXT}/n"
QUESTIONS = [
    "Bonjour, je voudrais une copie de mon acte de naissance.",
    "Quels sont les horaires de la mairie le samedi ?",
    "Comment faire une demande de passeport ?",
]
CALL_S = 45.0  # each call lasts this long


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def figures(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


async def ami(settings: Settings, fields: dict[str, str]) -> None:
    async with ami_session(AmiConfig.from_settings(settings)) as session:
        await session.action(fields)


@contextlib.asynccontextmanager
async def guichet_up(home: Path, kb_index: Path) -> AsyncIterator[Settings]:
    env = stack_env(home, kb_index=str(kb_index))
    settings = load_settings(env)
    store = open_store(settings.store_url)
    try:
        AccountRepository(store).add(SUPERVISOR, "supervisor", password=PASSWORD)
    finally:
        store.close()
    subprocess.run([GUICHET, "mode", "day"], env=env, check=True, capture_output=True)
    proc = await WatchedProcess([GUICHET, "up"], env).start()
    try:
        await proc.wait_for_line(r"^ready$", timeout=300)
        yield settings
    finally:
        proc.send_signal(signal.SIGINT)
        await proc.wait(timeout=60)


def demo_index(work: Path) -> Path:
    """The demo knowledge base, ingested with the real CLI (as the integration tests)."""
    index = work / "kb-index"
    subprocess.run(
        [
            GUICHET,
            "kb",
            "ingest",
            str(ROOT / "knowledge" / "demo" / "cards"),
            "--index",
            str(index),
        ],
        env=stack_env(work / "kb-home"),
        check=True,
        capture_output=True,
    )
    return index


async def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    latencies: dict[str, list[float]] = defaultdict(list)
    audio = [
        caller_audio(work / f"q{i}.wav", (2.0, q), (6.0, q), (20.0, "."), voice="mb-fr4")
        for i, q in enumerate(QUESTIONS)
    ]
    index = args.kb_index or await asyncio.to_thread(demo_index, work)
    async with guichet_up(work / "home", index) as settings:
        base = f"http://127.0.0.1:{settings.web_port}"
        target = f"{settings.city_number}@{settings.sip_bind_host}:{settings.sip_port}"
        await ami(
            settings,
            {
                "Action": "DialplanExtensionAdd",
                "Context": HOLD_CONTEXT,
                "Extension": HOLD_EXTEN,
                "Priority": "1",
                "Application": "Wait",
                "ApplicationData": "600",
                "Replace": "yes",
            },
        )
        await ami(settings, {"Action": "QueueAdd", "Queue": "reception", "Interface": HOLD_MEMBER})
        async with httpx.AsyncClient(base_url=base) as web:
            page = await web.get("/login")
            await web.post(
                "/login",
                data={"username": SUPERVISOR, "password": PASSWORD, "csrf": form_token(page.text)},
            )
            csrf = (await web.get("/api/me")).json()["csrf"]
            cookie = "; ".join(f"{k}={v}" for k, v in web.cookies.items())
            headers = {"Cookie": cookie, "Origin": base}
            async with connect(
                f"ws://127.0.0.1:{settings.web_port}/api/wallboard", additional_headers=headers
            ) as ws:

                async def listen() -> None:
                    async for raw in ws:
                        got = time.time()
                        message = json.loads(raw)
                        if message["type"] == "wallboard" or "at" not in message:
                            continue
                        latencies[message.get("event", "?")].append(got - float(message["at"]))

                listener = asyncio.create_task(listen())
                half = args.calls // 2

                async def caller(i: int, audio_in: Path | None) -> bool:
                    async with CallSession(
                        target,
                        workdir=work / f"caller-{i}",
                        user=f"06123456{i:02d}",
                        audio_in=audio_in,
                        max_duration_s=CALL_S,
                    ) as call:
                        ok = await call.wait_established(30)
                        await asyncio.sleep(CALL_S - 5)  # the call's length: load, not sync
                        return ok

                queued = [asyncio.create_task(caller(i, None)) for i in range(half)]
                reply = await web.post(
                    "/api/wallboard/mode", json={"mode": "night"}, headers={"X-CSRF-Token": csrf}
                )
                reply.raise_for_status()
                started = time.monotonic()
                bots = [
                    asyncio.create_task(caller(half + i, audio[i % len(audio)]))
                    for i in range(args.calls - half)
                ]
                established = await asyncio.gather(*queued, *bots)
                wall_s = time.monotonic() - started
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
                await web.post(
                    "/api/wallboard/mode", json={"mode": "day"}, headers={"X-CSRF-Token": csrf}
                )
        await ami(
            settings, {"Action": "QueueRemove", "Queue": "reception", "Interface": HOLD_MEMBER}
        )
    everything = [v for values in latencies.values() for v in values]
    return {
        "machine": machine(),
        "calls": args.calls,
        "established": sum(established),
        "wall_s": round(wall_s, 1),
        "latency_all": figures(everything),
        "latency_by_event": {kind: figures(v) for kind, v in sorted(latencies.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--kb-index", type=Path, default=None, help="default: built here")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-wallboard-") as tmp:
        report = asyncio.run(run(args, Path(tmp)))
    (args.out / "wallboard.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({k: report[k] for k in ("calls", "established", "latency_all")}))


if __name__ == "__main__":
    main()
