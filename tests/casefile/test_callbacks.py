from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from guichet.casefile.callbacks import CallbackBook, compute_due_by, office_hours
from guichet.casefile.cli import callbacks as callbacks_cli
from guichet.casefile.errors import CallbackNotFound, InvalidCaseUpdate, InvalidNumber
from guichet.casefile.outbox import SmsOutbox
from guichet.casefile.records import (
    CallbackRecord,
    CallbackStatus,
    Outcome,
    SmsStatus,
    as_utc,
)
from guichet.casefile.repository import CaseRepository
from guichet.settings import Settings
from guichet.store import Store

from .fakes import MemorySms

PARIS = ZoneInfo("Europe/Paris")
REPO = Path(__file__).resolve().parents[2]


def paris(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("now", "hours", "due"),
    [
        (paris(2026, 11, 24, 9, 0), 2, paris(2026, 11, 24, 11, 0)),  # Tuesday morning
        (paris(2026, 11, 24, 11, 0), 2, paris(2026, 11, 24, 14, 30)),  # across lunch
        (paris(2026, 11, 24, 20, 0), 4, paris(2026, 11, 25, 14, 0)),  # evening
        (paris(2026, 11, 27, 16, 0), 4, paris(2026, 11, 30, 11, 30)),  # Friday → Monday
        (paris(2026, 11, 28, 10, 0), 0, paris(2026, 11, 30, 8, 30)),  # Saturday, next slot
        (paris(2026, 11, 24, 10, 0), 0, paris(2026, 11, 24, 10, 0)),  # open now
    ],
)
def test_due_by_counts_opening_hours(now: datetime, hours: float, due: datetime) -> None:
    assert compute_due_by(now, office_hours(PARIS), hours) == due


def test_due_by_uses_the_given_hours() -> None:
    # the routing part plugs in holidays: Friday 11 Nov 2026 is Armistice day
    holidays = {date(2026, 11, 11)}
    slots = office_hours(PARIS, periods=((time(9), time(12)),), closed_days=holidays.__contains__)
    assert compute_due_by(paris(2026, 11, 10, 18), slots, 1) == paris(2026, 11, 12, 10)
    with pytest.raises(InvalidCaseUpdate, match="no opening hours"):
        compute_due_by(paris(2026, 11, 10, 18), office_hours(PARIS, weekdays=frozenset()), 1)


async def _case(cases: CaseRepository) -> str:
    case = await cases.open_case(caller_number="+33612345678")
    await cases.add_turn(case.id, "caller", "Je voudrais un rendez-vous pour un passeport.")
    await cases.set_topic(case.id, "passeport", "Passeport", service="etat-civil")
    return case.id


async def test_book_callback_queues_its_sms(store: Store, cases: CaseRepository) -> None:
    case_id = await _case(cases)
    woken: list[bool] = []
    book = CallbackBook(store, tz=PARIS, working_hours=4, on_sms_queued=lambda: woken.append(True))
    now = paris(2026, 11, 24, 20, 0)
    callback = await book.book_callback(case_id, "06 12 34 56 78", now=now)
    assert callback.reference.startswith("CB-") and len(callback.reference) == 8
    assert callback.number == "+33612345678"
    assert callback.service == "etat-civil" and callback.language == "fr"
    assert callback.due_by == paris(2026, 11, 25, 14, 0)
    assert callback.status is CallbackStatus.PENDING
    assert woken == [True]
    assert (await cases.get_case(case_id)).case.outcome is Outcome.CALLBACK

    outbox = SmsOutbox(store, MemorySms())
    assert callback.sms_id is not None
    sms = await outbox.get(callback.sms_id)
    assert sms is not None and sms.status is SmsStatus.QUEUED
    assert sms.to_number == "+33612345678"
    assert callback.reference in sms.body
    assert "mer. 25/11 à 14h00" in sms.body and "Passeport" in sms.body
    assert len(sms.body) <= 320

    # the controller retries after a timeout: same booking, no second SMS
    again = await book.book_callback(case_id, "+33612345678", now=now)
    assert again.id == callback.id and again.sms_id == callback.sms_id
    assert len(await outbox.list()) == 1


async def test_invalid_number_books_nothing(store: Store, cases: CaseRepository) -> None:
    case_id = await _case(cases)
    book = CallbackBook(store, tz=PARIS)
    with pytest.raises(InvalidNumber) as caught:
        await book.book_callback(case_id, "08 92 68 02 92")
    assert caught.value.reason == "premium"
    assert await book.list_callbacks() == []
    assert (await cases.get_case(case_id)).case.outcome is Outcome.OPEN


async def test_landline_gets_no_sms(store: Store, cases: CaseRepository) -> None:
    book = CallbackBook(store, tz=PARIS)
    callback = await book.book_callback(await _case(cases), "01 23 45 67 89")
    assert callback.sms_id is None
    assert await SmsOutbox(store, MemorySms()).list() == []


async def test_working_the_list(store: Store, cases: CaseRepository) -> None:
    book = CallbackBook(store, tz=PARIS)
    first = await book.book_callback(await _case(cases), "0612345678")
    second = await book.book_callback(await _case(cases), "0712345678")
    await book.start(second.reference.lower(), by="1001")
    assert [c.id for c in await book.list_callbacks(status="pending")] == [first.id]
    done = await book.done(first.id, by="1001", note="rappelé, RDV pris")
    assert done.status is CallbackStatus.DONE and done.note == "rappelé, RDV pris"
    assert (await CaseRepository(store).get_case(first.case_id)).case.closed_at is not None
    with pytest.raises(InvalidCaseUpdate, match="already done"):
        await book.fail(first.id)
    with pytest.raises(CallbackNotFound):
        await book.done("CB-NOPE0")


def test_cli_list_and_done(
    tmp_path: Path, cases: CaseRepository, store: Store, db_url: str
) -> None:
    async def book_one() -> CallbackRecord:
        return await CallbackBook(store, tz=PARIS).book_callback(await _case(cases), "0612345678")

    callback = asyncio.run(book_one())  # the CLI runs its own event loop
    settings = Settings(home=tmp_path, database_url=db_url)
    runner = CliRunner()
    listed = runner.invoke(callbacks_cli, ["list"], obj=settings)
    assert listed.exit_code == 0, listed.output
    assert callback.reference in listed.output and "06 12 34 56 78" in listed.output
    done = runner.invoke(callbacks_cli, ["done", callback.reference, "--note", "ok"], obj=settings)
    assert done.exit_code == 0, done.output
    as_json = runner.invoke(callbacks_cli, ["list", "--status", "done", "--json"], obj=settings)
    rows = json.loads(as_json.output)
    assert [(r["reference"], r["status"], r["note"]) for r in rows] == [
        (callback.reference, "done", "ok")
    ]


BOOK_AND_DIE = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from zoneinfo import ZoneInfo
    from guichet.casefile.callbacks import CallbackBook
    from guichet.casefile.repository import CaseRepository
    from guichet.store import open_store

    async def main():
        store = open_store(sys.argv[1])
        case = await CaseRepository(store).open_case(caller_number="0612345678")
        book = CallbackBook(store, tz=ZoneInfo("Europe/Paris"))
        callback = await book.book_callback(case.id, "06 12 34 56 78")
        print(callback.id, callback.sms_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # the moment the caller hears "booked"

    asyncio.run(main())
    """
)

READ_BACK = textwrap.dedent(
    """
    import json, sys
    from sqlalchemy import select
    from guichet.store import open_store
    from guichet.store.models import Callback, SmsOutboxRow

    store = open_store(sys.argv[1])
    with store.session() as s:
        cb = s.get(Callback, sys.argv[2])
        sms = s.get(SmsOutboxRow, sys.argv[3])
        print(json.dumps({"callback": cb and cb.status, "sms": sms and sms.status,
                          "ref_in_sms": bool(cb and sms and cb.reference in sms.body)}))
    """
)


def test_booking_survives_sigkill(db_url: str) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", BOOK_AND_DIE, db_url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    callback_id, sms_id = killed.stdout.split()
    fresh = subprocess.run(
        [sys.executable, "-c", READ_BACK, db_url, callback_id, sms_id],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(fresh.stdout) == {"callback": "pending", "sms": "queued", "ref_in_sms": True}


def test_utc_storage_roundtrip() -> None:
    # due_by is stored in UTC and comes back aware, whatever the store returns
    naive = datetime(2026, 1, 1, 12, 0)
    assert as_utc(naive).tzinfo is UTC
    assert as_utc(paris(2026, 1, 1, 13)) == datetime(2026, 1, 1, 12, tzinfo=UTC)


async def test_concurrent_bookings_book_once(store: Store, cases: CaseRepository) -> None:
    """The controller retries a booking that timed out while the first one is still
    running: one callback and one SMS, whichever of them the store serves first."""
    case_id = await _case(cases)
    book = CallbackBook(store, tz=PARIS)
    now = paris(2026, 11, 24, 20, 0)
    booked = await asyncio.gather(
        *(book.book_callback(case_id, "06 12 34 56 78", now=now) for _ in range(4))
    )
    assert len({b.id for b in booked}) == 1 and len({b.sms_id for b in booked}) == 1
    assert [c.id for c in await book.list_callbacks()] == [booked[0].id]
    assert len(await SmsOutbox(store, MemorySms()).list()) == 1
