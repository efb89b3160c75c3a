"""Website chat benchmark (not a test): question → answer latency at the client, and
50 concurrent chat visitors on loopback. Writes ``chat.json`` under ``--out`` and
prints it.

    .venv/bin/python tests/bench/bench_chat.py --out bench-results [--visitors 50]

The web app runs in a process of its own (``--serve``: uvicorn, the real app, the
demo knowledge base ingested into a temporary index, SQLite in a temporary data
directory), so that the load generator does not share its interpreter. Visitors are
plain HTTP clients (httpx) doing what ``widget.js`` does: ``POST
/api/chat/conversations`` with an ``Origin`` the settings list, then ``POST
/api/chat/messages`` with the token. The abuse limits are raised for the run (every
visitor comes from 127.0.0.1); they are measured by the tests, not here.

Method
------
Phase A, alone: one visitor asks each of ``QUESTIONS`` ``--rounds`` times, one after
the other (a fresh conversation per round): client-side p50/p95 of the message's
round trip (the bot's reply comes back in the same response: the dialog, the
knowledge base's lookup, the case turns written).

Phase B, load: ``--visitors`` visitors at once, each in its own conversation, each
asking ``--per-visitor`` questions drawn (seeded) from ``QUESTIONS`` with a think time
of 1-3 s between them (a person reads the answer): bounded, ~visitors × per-visitor
requests. Figures: p50/p95/max of the round trips, errors (any non-200 or transport
failure), and whether p95 ≤ 1 s with no error (``ok``).

The questions are the bench's own, written for it (not from any evaluation set).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ORIGIN = "https://www.saint-aubin.example"
QUESTIONS = (
    "Bonjour, je voudrais refaire mon passeport, comment faire ?",
    "Comment inscrire mon enfant à la cantine ?",
    "Où dois-je déposer mes déchets verts ?",
    "Je veux m'inscrire sur les listes électorales",
    "Quels sont les horaires de la mairie le samedi ?",
    "Comment obtenir une copie de mon acte de naissance ?",
    "Quel temps fera-t-il demain à Tokyo ?",
    "How do I apply for an identity card?",
)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def figures(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1) if values else None,
        "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else None,
    }


# --- the server, in its own process ---
def serve(port: int, home: Path) -> None:
    import uvicorn  # noqa: PLC0415 - the server process only

    from agent_softphone.app import create_app  # noqa: PLC0415
    from agent_softphone.state import AppState  # noqa: PLC0415
    from guichet.settings import Settings  # noqa: PLC0415
    from guichet.store import open_store  # noqa: PLC0415
    from knowledge import KnowledgeBase, ingest  # noqa: PLC0415
    from knowledge.embeddings import get_embedder  # noqa: PLC0415

    settings = Settings(
        home=home,
        web_chat_origins=[ORIGIN],
        web_chat_per_ip_per_min=1_000_000,
        web_chat_per_conversation_per_min=1_000,
        web_chat_starts_per_ip_per_hour=1_000_000,
    )
    index = home / "kb-index"
    report = ingest(
        ROOT / "knowledge" / "demo" / "cards", index, get_embedder(settings.kb_embedding_model)
    )
    if report.errors:
        raise SystemExit(f"ingest: {report.errors}")
    kb = KnowledgeBase.open(index, settings)
    store = open_store(f"sqlite:///{home / 'guichet.db'}")
    app = create_app(AppState(store, settings=settings, knowledge=kb))

    class Announced(uvicorn.Server):
        """Prints "ready" once its start-up (the app's lifespan's included) is done
        and it listens: what the bench waits on."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:  # a failed lifespan start-up returns so
                print("ready", flush=True)

    # its lifespan on, as `guichet up` serves it
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    Announced(config).run()


@contextlib.asynccontextmanager
async def server() -> AsyncIterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as home:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            str(port),
            "--home",
            home,
            stdout=subprocess.PIPE,
        )
        try:
            assert proc.stdout is not None
            async with asyncio.timeout(300):
                while (await proc.stdout.readline()).strip() != b"ready":
                    if proc.returncode is not None:
                        raise RuntimeError("the server did not start")
            base = f"http://127.0.0.1:{port}"
            yield base
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


# --- the visitors ---
class Visitor:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.headers = {"Origin": ORIGIN}
        self.after = 0

    async def start(self) -> None:
        reply = await self.client.post(
            "/api/chat/conversations", json={"lang": "fr"}, headers=self.headers
        )
        reply.raise_for_status()
        body = reply.json()
        self.headers = {**self.headers, "X-Chat-Token": body["token"]}
        self.after = body["messages"][-1]["seq"]

    async def ask(self, text: str) -> float:
        """The round trip of one question, in seconds; raises on any failure."""
        began = time.perf_counter()
        reply = await self.client.post(
            "/api/chat/messages",
            json={"text": text},
            params={"after": self.after},
            headers=self.headers,
        )
        took = time.perf_counter() - began
        reply.raise_for_status()
        messages = reply.json()["messages"]
        if not any(m["author"] == "bot" for m in messages):
            raise RuntimeError(f"no reply from the bot to {text!r}")
        self.after = messages[-1]["seq"]
        return took


async def phase_alone(base: str, rounds: int) -> dict[str, Any]:
    took: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(rounds):
            visitor = Visitor(client)
            await visitor.start()
            for question in QUESTIONS:
                took.append(await visitor.ask(question))
    return figures(took)


async def phase_load(base: str, visitors: int, per_visitor: int, seed: int) -> dict[str, Any]:
    took: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=visitors + 10, max_keepalive_connections=visitors + 10)

    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(n: int) -> None:
            rng = random.Random(seed * 1000 + n)
            visitor = Visitor(client)
            await asyncio.sleep(rng.uniform(0, 1.0))  # visitors arrive over a second
            try:
                await visitor.start()
                for _ in range(per_visitor):
                    took.append(await visitor.ask(rng.choice(QUESTIONS)))
                    await asyncio.sleep(rng.uniform(1.0, 3.0))
            except (httpx.HTTPError, RuntimeError) as exc:
                errors.append(f"visitor {n}: {type(exc).__name__}: {exc}")

        began = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for n in range(visitors):
                group.create_task(one(n))
        wall = time.perf_counter() - began
    stats = figures(took)
    return {
        "visitors": visitors,
        "questions_per_visitor": per_visitor,
        "wall_s": round(wall, 1),
        "throughput_rps": round(len(took) / wall, 1) if wall else None,
        **stats,
        "errors": len(errors),
        "error_samples": errors[:5],
        "ok": not errors and stats["p95_ms"] <= 1000,
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    async with server() as base:
        alone = await phase_alone(base, args.rounds)
        load = await phase_load(base, args.visitors, args.per_visitor, args.seed)
    return {
        "bench": "chat",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "alone": alone,
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for chat.json")
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--per-visitor", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.home)
        return
    result = asyncio.run(bench(args))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "chat.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
