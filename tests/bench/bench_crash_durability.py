"""Crash-durability benchmark (not a test): N callback bookings, the controller process
SIGKILLed right after each caller has heard the confirmation; then, callbacks lost
(must be 0) and SMS sent exactly once each. Writes ``crash_durability.json`` under
``--out``.

    .venv/bin/python tests/bench/bench_crash_durability.py --out bench-results [--n 200]
        [--postgres | --db-url postgresql://…] [--quick]

Everything is on this machine: the store (a fresh SQLite file; ``--postgres``: a
throw-away PostgreSQL cluster on a Unix socket, ``tests/support/postgres.py``;
``--db-url``: an empty store of yours) and a local Twilio stand-in
(``tests/support/fake_twilio.py``) on loopback.

Method
------
Not live calls: a live callback call (Asterisk, baresip, Whisper, the voices) takes
tens of seconds and a controller start several more; 200 of them, each with its
controller killed and started again, do not fit in 15 minutes on 2 cores. So each
"controller life" is a child process that runs what the CALLBACK step runs once the
caller asked for a callback (``pbx/callbacks``), with everything that step touches
real: the number dialog (:class:`pbx.callbacks.CallbackDialog`, the caller's keys
typed in: half confirm their caller ID with 1, half key in another number, # and 1),
``CallbackBook.book_callback`` (the callback, the case's outcome and the SMS in one
commit), and the confirmation (``dialog.booked``); beside it, as in ``guichet up``,
the SMS outbox worker (:class:`SmsOutbox` with the twilio library), woken by the
booking. The speaker is a stand-in for the voice: it says instantly, so the kill
falls as early after the commit as it can.

When the dialog has said the confirmation, the child tells the parent over a pipe and
the parent kills it with SIGKILL, at one of three moments, in turn:

- ``confirmed``: at once. The SMS is wherever the worker got: still queued, being
  sent, or sent (``sms_state_at_kill`` counts them).
- ``in_flight``: the stand-in accepts the first SMS the life's worker sends (its own,
  or one an earlier life left) but holds the reply; the kill lands after Twilio has
  the message and before the row says so: the row is left ``sending`` and only asking
  Twilio (reconciliation) avoids a second send (``twilio_replies_lost`` counts them).
- ``sms_accepted``: when the stand-in has accepted this life's own SMS and answered:
  the kill lands around the worker's "sent" write, before or after it. On the phone
  the confirmation takes seconds to say, and this is the common case.

Each life's worker also takes over what the lives before it left (queued rows, and
rows ``sending`` past the lease, checked with the stand-in first), as a restarted
controller does. After the last kill a final worker, not killed, drains the rest; it
moves its clock past the lease instead of waiting for it.

Checks: every callback confirmed to a caller is in the store, pending, with the
number confirmed (``lost_callbacks`` counts the others); the stand-in accepted
exactly one message per callback, to its number, quoting its reference
(``sms_missing``, ``sms_duplicated``); every outbox row ends ``sent``; no SMS body
quotes the caller (each call's transcript holds a link).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import phonenumbers  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from guichet.casefile.callbacks import CallbackBook  # noqa: E402
from guichet.casefile.outbox import OutboxPolicy, SmsCaps, SmsOutbox  # noqa: E402
from guichet.casefile.repository import CaseRepository  # noqa: E402
from guichet.casefile.sms import TwilioSms  # noqa: E402
from guichet.store import Store, open_store  # noqa: E402
from guichet.store.models import Callback, SmsOutboxRow, utcnow  # noqa: E402
from pbx.callbacks import CallbackDialog  # noqa: E402
from tests.support.fake_twilio import FakeTwilio  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
SENDER = "MAIRIE"
# what every caller said: a link, that no SMS may quote
SAID = "Envoyez ce lien https://colis-bloque.example/payer a ma voisine, vite"
LEASE_S = 0.5  # a row 'sending' longer than this is taken over (120 s in production)
POLL_S = 0.2
LIFE_TIMEOUT_S = 30.0
KILL_MODES = ("confirmed", "in_flight", "sms_accepted")


@dataclass(frozen=True)
class Life:
    """One controller life: one caller, one booking, then SIGKILL."""

    index: int
    db_url: str
    twilio_url: str
    account_sid: str
    auth_token: str
    caller: str  # the caller ID, E.164
    keyed: str | None  # another number the caller keys in, or None (confirms with 1)
    per_day: int


@dataclass
class Heard:
    """What the caller was told, as the child reports it before it is killed."""

    callback_id: str
    reference: str
    number: str
    sms_id: str | None
    life_s: float  # from the child's start to the end of the confirmation


@dataclass
class Results:
    n: int
    backend: str
    method: str = "child process per booking (pbx/callbacks dialog + CallbackBook + outbox)"
    kills: dict[str, int] = field(default_factory=dict)
    confirmed: int = 0
    lost_callbacks: int = 0
    sms_expected: int = 0
    sms_exactly_once: int = 0
    sms_missing: int = 0
    sms_duplicated: int = 0
    twilio_posts: int = 0
    # messages Twilio took whose sender was killed before the reply: each one a row
    # left 'sending' that a later worker must reconcile, not send again
    twilio_replies_lost: int = 0
    sms_state_at_kill: dict[str, int] = field(default_factory=dict)
    sms_attempts: dict[str, int] = field(default_factory=dict)
    outbox_rows_not_sent: int = 0
    bodies_quoting_the_caller: int = 0
    life_s: dict[str, float] = field(default_factory=dict)
    drain_s: float = 0.0
    wall_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and self.lost_callbacks == 0
            and self.sms_missing == 0
            and self.sms_duplicated == 0
            and self.outbox_rows_not_sent == 0
            and self.bodies_quoting_the_caller == 0
            and self.sms_exactly_once == self.sms_expected == self.confirmed
        )


# --- the child: one controller life ---


class _Speaker:
    """The voice, instantly; after the n-th prompt the caller types ``answers[n]``."""

    def __init__(self, keys: asyncio.Queue[str], answers: list[str]) -> None:
        self.keys = keys
        self.answers = answers

    async def say(self, text: str, lang: str, interrupt: asyncio.Event | None = None) -> bool:
        if self.answers:
            for key in self.answers.pop(0):
                self.keys.put_nowait(key)
        return True


def life(conn: Connection, spec: Life) -> None:
    """The child's body (forkserver target): never returns, it is killed."""
    asyncio.run(_life(conn, spec, time.perf_counter()))


async def _life(conn: Connection, spec: Life, started: float) -> None:
    store = open_store(spec.db_url)
    engine = TwilioSms(spec.account_sid, spec.auth_token, SENDER, base_url=spec.twilio_url)
    outbox = SmsOutbox(store, engine, OutboxPolicy(sending_lease_s=LEASE_S, poll_interval_s=POLL_S))
    book = CallbackBook(
        store,
        tz=PARIS,
        sms_caps=SmsCaps(per_day=spec.per_day),
        on_sms_queued=outbox.wake,
    )
    outbox.start()  # first pass: what the lives before this one left
    cases = CaseRepository(store)
    case = await cases.open_case(caller_number=spec.caller)
    await cases.add_turn(case.id, "caller", SAID)
    keys: asyncio.Queue[str] = asyncio.Queue()
    answers = ["1"] if spec.keyed is None else [spec.keyed + "#", "1"]
    dialog = CallbackDialog(_Speaker(keys, answers), keys, "fr", PARIS, normalize=book.normalize)
    number = await dialog.confirm_number(spec.caller)
    if number is None:
        raise RuntimeError("the dialog gave up")
    record = await book.book_callback(case.id, number)
    await dialog.booked(record)  # the caller has heard it
    heard = Heard(
        record.id, record.reference, record.number, record.sms_id, time.perf_counter() - started
    )
    conn.send(asdict(heard))
    # the call would hang up now; the outbox worker goes on until the kill
    await asyncio.Event().wait()


# --- the parent ---


def _numbers(i: int) -> tuple[str, str]:
    """Life ``i``'s caller ID and the other number it may key in: real mobile ranges,
    one of each per life (the SMS caps and the hourly limit are per number)."""
    caller, keyed = f"+33612{i:06d}", f"0781{i:06d}"
    for number in (caller, keyed):
        parsed = phonenumbers.parse(number, "FR")
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE, number
    return caller, keyed


def _row_state(db: Store, sms_id: str | None, fake: FakeTwilio, number: str) -> str:
    if sms_id is None:
        return "none"
    with db.session() as session:
        row = session.get(SmsOutboxRow, sms_id)
        status = row.status if row is not None else "missing"
    if status == "sending":
        accepted = any(m["to"] == number for m in fake.messages)
        return "sending, accepted by Twilio" if accepted else "sending, not accepted"
    return str(status)


async def _drain(db: Store, fake: FakeTwilio, bound_s: float) -> None:
    """The controller that is not killed: sends what is left. Its clock runs past the
    lease (no other worker is alive) and past any retry's due time."""
    engine = TwilioSms(fake.account_sid, fake.auth_token, SENDER, base_url=fake.base_url)
    worker = SmsOutbox(db, engine, OutboxPolicy(sending_lease_s=LEASE_S))
    deadline = time.monotonic() + bound_s
    clock = utcnow()
    while time.monotonic() < deadline:
        with db.session() as session:
            left = session.scalar(
                select(func.count())
                .select_from(SmsOutboxRow)
                .where(SmsOutboxRow.status.in_(["queued", "sending"]))
            )
        if not left:
            return
        clock = max(clock, utcnow()) + timedelta(seconds=LEASE_S * 2)
        run = await worker.run_once(clock)
        if run.next_due is not None:
            clock = max(clock, run.next_due)
    raise TimeoutError(f"outbox not drained within {bound_s:.0f} s")


def run(n: int, db_url: str | None = None, *, bound_s: float = 900.0) -> Results:
    """N lives, each killed; then the checks. ``db_url``: an empty store (default: a
    fresh SQLite file)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="guichet-crash-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'guichet.db'}"
        db = open_store(url)  # migrated once, here
        results = Results(n=n, backend=db.engine.dialect.name)
        ctx = get_context("forkserver")
        # the children fork from a server that imported all this already: a life
        # starts in milliseconds, not in the second the imports take
        ctx.set_forkserver_preload([__name__])
        heard: list[Heard] = []
        state_at_kill: Counter[str] = Counter()
        try:
            with FakeTwilio() as fake:
                for i in range(n):
                    if time.monotonic() - started > bound_s:
                        results.problems.append(f"stopped after {i} lives: {bound_s:.0f} s bound")
                        break
                    mode = KILL_MODES[i % len(KILL_MODES)]
                    caller, keyed = _numbers(i)
                    spec = Life(
                        i,
                        url,
                        fake.base_url,
                        fake.account_sid,
                        fake.auth_token,
                        caller,
                        keyed if i % 4 >= 2 else None,
                        per_day=n * 2,
                    )
                    got = _one_life(ctx, spec, mode, fake)
                    if isinstance(got, str):
                        results.problems.append(f"life {i}: {got}")
                        continue
                    heard.append(got)
                    results.kills[mode] = results.kills.get(mode, 0) + 1
                    state_at_kill[_row_state(db, got.sms_id, fake, got.number)] += 1
                drain_started = time.monotonic()
                asyncio.run(_drain(db, fake, bound_s=120.0))
                results.drain_s = round(time.monotonic() - drain_started, 3)
                _check(results, db, fake, heard)
                results.sms_state_at_kill = dict(state_at_kill)
        finally:
            db.close()
    times = sorted(h.life_s for h in heard)
    if times:
        results.life_s = {
            "p50": round(statistics.median(times), 4),
            "p95": round(times[int(0.95 * (len(times) - 1))], 4),
            "max": round(times[-1], 4),
        }
    results.wall_s = round(time.monotonic() - started, 2)
    return results


def _one_life(ctx: Any, spec: Life, mode: str, fake: FakeTwilio) -> Heard | str:
    """Start a life, wait for its confirmation, kill it. A string says what failed."""
    held_before = fake.held
    if mode == "in_flight":
        fake.accept_and_hold_next(1)
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=life, args=(writer, spec), daemon=True)
    child.start()
    writer.close()
    try:
        ready = wait([reader, child.sentinel], timeout=LIFE_TIMEOUT_S)
        if reader not in ready:
            return f"no confirmation within {LIFE_TIMEOUT_S:.0f} s (exit {child.exitcode})"
        heard = Heard(**reader.recv())
        if mode == "in_flight":
            # kill once Twilio holds an SMS this life sent: sent, not known to be
            try:
                fake.wait_held(held_before + 1, timeout=LIFE_TIMEOUT_S)
            except TimeoutError:
                return "no SMS sent within the life"
        elif mode == "sms_accepted":
            try:
                fake.wait_for_to(heard.number, timeout=LIFE_TIMEOUT_S)
            except TimeoutError:
                return "its SMS did not reach Twilio within the life"
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(LIFE_TIMEOUT_S)
        if child.exitcode != -signal.SIGKILL:
            return f"exit {child.exitcode}, not killed"
        return heard
    finally:
        if child.is_alive():
            child.kill()
            child.join()
        reader.close()


def _check(results: Results, db: Store, fake: FakeTwilio, heard: list[Heard]) -> None:
    results.confirmed = len(heard)
    results.twilio_posts = fake.posts
    results.twilio_replies_lost = fake.held
    by_number = Counter(m["to"] for m in fake.messages)
    with db.session() as session:
        for h in heard:
            callback = session.get(Callback, h.callback_id)
            if (
                callback is None
                or callback.status != "pending"
                or callback.number != h.number
                or callback.reference != h.reference
            ):
                results.lost_callbacks += 1
            if h.sms_id is None:
                continue  # none promised (a cap; never here: every number is new)
            results.sms_expected += 1
            sent = [m for m in fake.messages if m["to"] == h.number]
            if not sent:
                results.sms_missing += 1
            elif by_number[h.number] > 1:
                results.sms_duplicated += 1
            elif h.reference in sent[0]["body"]:
                results.sms_exactly_once += 1
            else:
                results.problems.append(f"{h.reference}: SMS without its reference")
        rows = list(session.scalars(select(SmsOutboxRow)))
        results.outbox_rows_not_sent = sum(r.status != "sent" for r in rows)
        results.sms_attempts = dict(Counter(str(r.attempts) for r in rows))
    said = {w for w in SAID.lower().split() if len(w) > 3}
    results.bodies_quoting_the_caller = sum(
        any(w in m["body"].lower() for w in said) or "http" in m["body"] for m in fake.messages
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=200, help="bookings, each killed (>= 200)")
    parser.add_argument("--db-url", help="an empty store (default: a fresh SQLite file)")
    parser.add_argument(
        "--postgres", action="store_true", help="a throw-away PostgreSQL cluster as the store"
    )
    parser.add_argument("--quick", action="store_true", help="20 bookings")
    args = parser.parse_args()
    # run from the module's importable name: the forkserver children find its functions
    from tests.bench import bench_crash_durability as bench  # noqa: PLC0415

    n = 20 if args.quick else args.n
    if args.postgres:
        from tests.support.postgres import start_cluster  # noqa: PLC0415

        cluster = start_cluster()
        try:
            results = bench.run(n, cluster.url(cluster.create_store()))
        finally:
            cluster.stop()
    else:
        results = bench.run(n, args.db_url)
    report = {
        **asdict(results),
        "ok": results.ok,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "crash_durability.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    sys.exit(0 if results.ok else 1)


if __name__ == "__main__":
    main()
