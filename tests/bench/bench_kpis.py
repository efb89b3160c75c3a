"""KPI page benchmark (not a test): a store with 100 000 calls over the last year
(their cases, call events, queue events, turns, card uses, callbacks and SMS), then
the KPI page ``GET /kpis`` loaded through the real web app (session, routes, the
queries, the HTML and SVG), p50/p95 per view. Goal: 1 s. Writes ``kpis.json`` (or
``kpis_postgresql.json``) under ``--out``.

    .venv/bin/python tests/bench/bench_kpis.py --out bench-results [--calls 100000]
        [--postgres] [--repeat 10]

Views: the default page (the last 30 days, by day), the last 12 weeks by week, and
the whole year by month (every one of the 100 000 calls). Each view is loaded once
(``first_s``: for the days older than 35, settled, this is when they are read from
the store and kept, guichet.kpis.KpiCache), then ``--repeat`` times (p50, p95: the
last 35 days read from the store each time, the older ones from memory). The
machine's load average is recorded: it is shared, and under load a request waits
for a core.

The mix (seeded random, the same every run): 55 % of calls go to the voicebot first
(60 % of those contained, 10 % abandoned, 15 % on to reception, 10 % to a service,
5 % a callback); the others go straight to reception (8 % abandon; of the answered,
60 % first level, 25 % escalated to one of five services, the rest transferred or
called back). Bot calls have 4 turns, some an abstention; desk calls mark a card
used one time in three.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

from agent_softphone.app import AppState, create_app
from guichet.settings import Settings
from guichet.store import Store, open_store
from tests.kpis.rows import PARENTS_FIRST, KpiRows
from tests.web.login import add_account, log_in

SERVICES = ["etat-civil", "urbanisme", "social", "scolaire", "dechets"]
QUEUES = ["reception", *SERVICES]
CARDS = [f"card-{i:03d}" for i in range(120)]
QUESTIONS = [f"question sans réponse numéro {chr(97 + i % 26)}{i // 26}" for i in range(300)]
CHUNK = 5000
PASSWORD = "bench password 1"


class Rows:
    """Rows per table, flushed in chunks with executemany (Core inserts, the models'
    column types: UTC timestamps as every writer stores them)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: dict[Any, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, model: Any, **row: Any) -> None:
        rows = self.pending.setdefault(model, [])
        rows.append(row)
        if len(rows) >= CHUNK:
            self.flush_all()  # parents with their children: the foreign keys

    def flush(self, model: Any) -> None:
        rows = self.pending.get(model) or []
        if rows:
            # one statement for all: every row names the same columns (None: unset)
            keys = {k for row in rows for k in row}
            rows[:] = [dict.fromkeys(keys) | row for row in rows]
            with self.store.engine.begin() as connection:
                connection.execute(insert(model.__table__), rows)
            name = model.__tablename__
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            rows.clear()

    def flush_all(self) -> None:
        # parents first: the foreign keys
        for model in PARENTS_FIRST:
            self.flush(model)


def seed(store: Store, calls: int, today: datetime) -> dict[str, int]:
    rnd = random.Random(13)
    rows = Rows(store)
    kpi = KpiRows(rows.add)
    start = today - timedelta(days=365)
    span_s = 365 * 86400
    for i in range(calls):
        # office hours, mostly: 07:00-17:00 UTC
        day = start + timedelta(seconds=rnd.randrange(span_s))
        t0 = day.replace(hour=7 + rnd.randrange(10), tzinfo=UTC)
        call_id = f"{int(t0.timestamp())}.{i}"
        case_id = f"case-{i:07d}"
        bot = rnd.random() < 0.55
        outcome = "open"
        desk: dict[str, Any] = {}
        t = t0 + timedelta(seconds=1)
        turns: list[tuple[str, str, str | None, float | None]] = []
        queue_to: str | None = None
        if bot:
            bot_s = rnd.uniform(20, 180)
            fate = rnd.random()
            turns.append(("caller", "bonjour je voudrais un renseignement", None, None))
            if rnd.random() < 0.2:
                turns.append(("bot", "Je n'ai pas de réponse sûre.", None, rnd.uniform(0.1, 0.5)))
                turns.append(("caller", rnd.choice(QUESTIONS), None, None))
                turns.append(("bot", "Je n'ai pas de réponse sûre.", None, rnd.uniform(0.1, 0.5)))
            else:
                turns.append(("bot", "Voici la réponse.", rnd.choice(CARDS), rnd.uniform(0.6, 1)))
            if fate < 0.60:
                outcome = "answered_by_bot"
            elif fate < 0.70:
                outcome = "abandoned"
            elif fate < 0.85:
                queue_to = "reception"
            elif fate < 0.95:
                queue_to = rnd.choice(SERVICES)
                outcome = "escalated"
            else:
                outcome = "callback"
            ended = t + timedelta(seconds=bot_s)
        else:
            queue_to = "reception"
            ended = t + timedelta(seconds=3)
        kpi.call(
            call_id,
            t0,
            answered=t,
            ended=ended,
            voicebot_at=t if bot else None,
            end_reason="completed",
        )
        q_at = ended
        if queue_to is not None:
            wait = rnd.uniform(5, 240)
            if rnd.random() < 0.08:
                kpi.abandoned_in_queue(call_id, queue_to, q_at, wait_s=wait, member=None)
                outcome = "abandoned" if outcome == "open" else outcome
            else:
                talk = rnd.uniform(30, 600)
                member = f"PJSIP/agent{rnd.randrange(12)}"
                answered = kpi.answered_in_queue(
                    call_id, queue_to, q_at, wait_s=wait, talk_s=talk, member=member, ring_s=3.0
                )
                if queue_to == "reception":
                    wrap = answered + timedelta(seconds=talk + 20)
                    desk = {
                        "handled_by": member.split("/")[1],
                        "desk_answered_at": answered,
                        "desk_ended_at": answered + timedelta(seconds=talk),
                        "wrapped_up_at": wrap,
                        "handle_s": talk,
                        "wrapup_s": 20.0,
                    }
                    fate = rnd.random()
                    if fate < 0.60:
                        card = rnd.choice(CARDS)
                        desk |= {"wrapup_action": "first_level", "first_level": True}
                        desk["card_used"] = card
                        outcome = "answered_by_reception"
                        if rnd.random() < 0.33:
                            kpi.card_use(case_id, call_id, card, "used", answered, "agent")
                    elif fate < 0.85:
                        service = rnd.choice(SERVICES)
                        desk |= {
                            "wrapup_action": "escalated",
                            "first_level": False,
                            "escalated_to": service,
                        }
                        outcome = "escalated"
                        later = answered + timedelta(seconds=talk)
                        kpi.queue(later, service, "QueueCallerJoin", call_id)
                        kpi.queue(
                            later + timedelta(seconds=60),
                            service,
                            "AgentConnect",
                            call_id,
                            wait_s=60.0,
                        )
                    else:
                        desk |= {"wrapup_action": "transferred", "first_level": False}
                        outcome = "answered_by_reception"
                else:
                    outcome = "answered_by_expert"
        kpi.case(case_id, t0, outcome, call_id=call_id, **desk)
        kpi.turns(
            case_id,
            (
                (t + timedelta(seconds=seq * 5), speaker, text, turn_card, confidence)
                for seq, (speaker, text, turn_card, confidence) in enumerate(turns, start=1)
            ),
        )
        if outcome == "callback":
            due = t0 + timedelta(hours=rnd.choice((4, 24, 48)))
            done = due + timedelta(hours=rnd.uniform(-3, 2))
            kpi.callback(
                f"cb-{i}",
                f"R{i:07d}",
                case_id,
                rnd.choice(SERVICES),
                requested=t0,
                due=due,
                status="done" if rnd.random() < 0.85 else "pending",
                done=done,
            )
            kpi.sms(
                f"sms-{i}",
                f"cb-{i}",
                status="sent",
                created=t0,
                sent=t0 + timedelta(seconds=2),
                body="Votre demande de rappel",
                attempts=1,
            )
    rows.flush_all()
    return rows.counts


def timed(get: Callable[[], Any], repeat: int) -> dict[str, Any]:
    first = time.perf_counter()
    reply = get()
    cold = time.perf_counter() - first
    assert reply.status_code == 200, reply.text[:300]
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        reply = get()
        samples.append(time.perf_counter() - began)
        assert reply.status_code == 200
    samples.sort()
    p95_index = max(0, min(len(samples) - 1, round(0.95 * len(samples)) - 1))
    return {
        "first_s": round(cold, 3),
        "p50_s": round(statistics.median(samples), 3),
        "p95_s": round(samples[p95_index], 3),
        "max_s": round(samples[-1], 3),
        "n": len(samples),
        "page_bytes": len(reply.content),
    }


def run(url: str, calls: int, repeat: int) -> dict[str, Any]:
    store = open_store(url)
    try:
        now = datetime.now(UTC)
        began = time.perf_counter()
        counts = seed(store, calls, now)
        seeded_s = time.perf_counter() - began
        if store.engine.dialect.name == "postgresql":
            with store.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        app = create_app(AppState(store, settings=Settings(queues=QUEUES)))
        client = TestClient(app)
        add_account(store, "chef", "supervisor", display_name="Chef", password=PASSWORD)
        log_in(client, "chef", PASSWORD)
        today = now.date()
        views: dict[str, dict[str, str]] = {
            "default_30_days_by_day": {},
            "12_weeks_by_week": {"grain": "week"},
            "year_by_month": {
                "grain": "month",
                "from": (today - timedelta(days=366)).isoformat(),
                "to": today.isoformat(),
            },
        }
        load_before = os.getloadavg()
        results: dict[str, Any] = {}
        for name, params in views.items():

            def get_page(asked: dict[str, str] = params) -> Any:
                return client.get("/kpis", params=asked)

            results[name] = timed(get_page, repeat)
        # the machine is shared: its load says how much of the time was waiting for a core
        load = {"before": load_before, "after": os.getloadavg()}
        return {
            "backend": store.engine.dialect.name,
            "calls": calls,
            "rows": counts,
            "seed_s": round(seeded_s, 1),
            "views": results,
            "load_average_1_5_15_min": load,
            "goal_s": 1.0,
            "ok": all(v["p95_s"] <= 1.0 for v in results.values()),
        }
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL cluster")
    args = parser.parse_args()
    if args.postgres:
        from tests.support.postgres import start_cluster  # noqa: PLC0415

        cluster = start_cluster()
        try:
            report = run(cluster.url(cluster.create_store()), args.calls, args.repeat)
        finally:
            cluster.stop()
        name = "kpis_postgresql.json"
    else:
        with tempfile.TemporaryDirectory() as folder:
            report = run(f"sqlite:///{Path(folder) / 'guichet.db'}", args.calls, args.repeat)
        name = "kpis.json"
    report["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / name).write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
