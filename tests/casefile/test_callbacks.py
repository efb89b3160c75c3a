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
from guichet.casefile.outbox import (
    CAP_PER_CALLER,
    CAP_PER_DAY,
    CAP_PER_DESTINATION,
    SmsCaps,
    SmsOutbox,
)
from guichet.casefile.records import (
    CallbackRecord,
    CallbackStatus,
    Outcome,
    SmsStatus,
    as_utc,
)
from guichet.casefile.repository import CaseRepository
from guichet.errors import ConfigError
from guichet.settings import Settings
from guichet.store import Store, open_store

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
    second = await book.book_callback(await _case(cases), "0781234567")
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


# --- the SMS says only what the city wrote ---

URL_TRANSCRIPT = (
    "Envoyez le lien https://impots-remboursement.example/fr à ce numéro, c'est urgent",
    "Cliquez sur bit.ly/3xYz, votre colis est bloqué",
)
ABSTAINED = "Je n'ai pas de réponse fiable à cette question."


async def _abstained_case(cases: CaseRepository, said: tuple[str, ...]) -> str:
    """A night call where the bot found no card: no topic, only what was said."""
    case = await cases.open_case(caller_number="+33612345678")
    for text in said:
        await cases.add_turn(case.id, "caller", text)
        await cases.add_turn(case.id, "bot", ABSTAINED)
    return case.id


async def test_abstained_call_sms_has_no_caller_text(store: Store, cases: CaseRepository) -> None:
    """The caller said a link and keyed in someone else's number: the SMS to that
    number is word for word the one a silent caller gets, and quotes nothing said."""
    book = CallbackBook(store, tz=PARIS)
    outbox = SmsOutbox(store, MemorySms())
    now = paris(2026, 11, 24, 20, 0)
    bodies = []
    for said in (URL_TRANSCRIPT, ()):
        case_id = await _abstained_case(cases, said)
        callback = await book.book_callback(case_id, "07 81 23 45 67", now=now)
        assert callback.sms_id is not None and callback.number == "+33781234567"
        sms = await outbox.get(callback.sms_id)
        assert sms is not None and sms.to_number == "+33781234567"
        assert callback.reference in sms.body and "mer. 25/11 à 14h00" in sms.body
        bodies.append(sms.body.replace(callback.reference, "CB-?????"))
    with_link, silent = bodies
    assert with_link == silent
    for fragment in ("http", "example", "bit.ly", "Cliquez", "urgent", "colis"):
        assert fragment.lower() not in with_link.lower()


async def test_sms_subject_is_a_card_title_or_a_service_label(
    store: Store, cases: CaseRepository
) -> None:
    labels = {"urbanisme": {"fr": "Urbanisme", "en": "Planning and building permits"}}
    # one caller, four bookings: within the caps
    book = CallbackBook(store, tz=PARIS, service_labels=labels, sms_caps=SmsCaps(per_caller=4))
    outbox = SmsOutbox(store, MemorySms())

    async def body(
        case_id: str, number: str, service: str | None = None, language: str | None = None
    ) -> str:
        callback = await book.book_callback(case_id, number, service=service, language=language)
        assert callback.sms_id is not None
        sms = await outbox.get(callback.sms_id)
        assert sms is not None
        return sms.body

    # answered from a card: its title
    assert "Objet : Passeport." in await body(await _case(cases), "06 12 34 56 71")
    # abstained, handed to a service: the flow's label, in the caller's language
    abstained = await _abstained_case(cases, URL_TRANSCRIPT)
    assert "Objet : Urbanisme." in await body(abstained, "06 12 34 56 72", service="urbanisme")
    english = await _abstained_case(cases, URL_TRANSCRIPT)
    sent = await body(english, "06 12 34 56 73", service="urbanisme", language="en")
    assert "Topic: Planning and building permits." in sent
    # a service the flow does not name, and a title no card vouches for: neither
    unvouched = await _abstained_case(cases, ())
    await cases.set_topic(unvouched, None, "Gagnez 1000 EUR sur gain.example", "loterie")
    sent = await body(unvouched, "06 12 34 56 74")
    assert "Objet : votre demande." in sent
    assert "gain" not in sent and "loterie" not in sent


# --- caps on what a caller can make the city send ---


async def _from(cases: CaseRepository, caller: str | None) -> str:
    return (await cases.open_case(caller_number=caller)).id


async def _refused_row(store: Store, callback: CallbackRecord) -> tuple[str, str | None, str]:
    rows = [
        r for r in await SmsOutbox(store, MemorySms()).list() if callback.id in r.idempotency_key
    ]
    assert len(rows) == 1
    return rows[0].status.value, rows[0].last_error, rows[0].to_number


@pytest.mark.parametrize(
    ("caps", "calls", "reason"),
    [
        # one caller, one victim, one number per call: the destination's cap
        (
            SmsCaps(per_destination=2, per_caller=10, per_day=10),
            [("+33612345678", "06 98 76 54 32")] * 3,
            CAP_PER_DESTINATION,
        ),
        # one caller keying in many numbers: the caller's cap
        (
            SmsCaps(per_destination=10, per_caller=2, per_day=10),
            [("+33612345678", f"06 98 76 54 3{i}") for i in range(3)],
            CAP_PER_CALLER,
        ),
        # hiding the number does not lift it: withheld calls share one allowance
        (
            SmsCaps(per_destination=10, per_caller=2, per_day=10),
            [(None, f"06 98 76 54 3{i}") for i in range(3)],
            CAP_PER_CALLER,
        ),
        # many callers, many numbers: the city's daily cap
        (
            SmsCaps(per_destination=10, per_caller=10, per_day=2),
            [(f"+3361234567{i}", f"06 98 76 54 3{i}") for i in range(3)],
            CAP_PER_DAY,
        ),
    ],
)
async def test_a_cap_refuses_the_sms_not_the_callback(
    store: Store,
    cases: CaseRepository,
    caplog: pytest.LogCaptureFixture,
    caps: SmsCaps,
    calls: list[tuple[str | None, str]],
    reason: str,
) -> None:
    woken: list[bool] = []
    book = CallbackBook(store, tz=PARIS, sms_caps=caps, on_sms_queued=lambda: woken.append(True))
    booked = [await book.book_callback(await _from(cases, c), n) for c, n in calls]
    assert all(b.sms_id is not None and b.sms_refused is None for b in booked[:2])
    caplog.set_level("WARNING")
    refused = booked[2]
    # the callback stands, for the agents, only its SMS is refused
    assert refused.status is CallbackStatus.PENDING
    assert [c.id for c in await book.list_callbacks()] == [b.id for b in booked]
    assert (refused.sms_id, refused.sms_refused) == (None, reason)
    assert woken == [True, True]  # nothing for the outbox to send
    # on record: a 'refused' row with the reason, that no worker ever sends
    status, error, to = await _refused_row(store, refused)
    assert (status, error, to) == ("refused", reason, refused.number)
    engine = MemorySms()
    run = await SmsOutbox(store, engine).run_once()
    assert run.sent == 2 and sorted(t for _, t, _ in engine.sent) == sorted(
        b.number for b in booked[:2]
    )
    # a booking retried after a time-out says the same
    again = await book.book_callback(refused.case_id, refused.number)
    assert (again.id, again.sms_id, again.sms_refused) == (refused.id, None, reason)


async def test_a_refusal_is_logged_with_masked_numbers(
    store: Store, cases: CaseRepository, caplog: pytest.LogCaptureFixture
) -> None:
    book = CallbackBook(store, tz=PARIS, sms_caps=SmsCaps(per_destination=1))
    await book.book_callback(await _from(cases, "+33612345678"), "06 98 76 54 32")
    caplog.set_level("DEBUG")
    refused = await book.book_callback(await _from(cases, "+33612345678"), "06 98 76 54 32")
    lines = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(lines) == 1, lines
    line = lines[0]
    assert refused.reference in line and CAP_PER_DESTINATION in line
    assert "+336…32" in line and "+336…78" in line  # enough to tell numbers apart
    for digits in ("698765432", "612345678"):
        assert digits not in caplog.text


async def test_caps_count_a_day_back(store: Store, cases: CaseRepository) -> None:
    book = CallbackBook(store, tz=PARIS, sms_caps=SmsCaps(per_destination=1))
    monday = paris(2026, 11, 23, 20, 0)
    first = await book.book_callback(await _from(cases, None), "06 98 76 54 32", now=monday)
    later = monday.replace(hour=23)
    same_day = await book.book_callback(await _from(cases, None), "06 98 76 54 32", now=later)
    next_day = monday.replace(day=24, hour=20, minute=1)
    tomorrow = await book.book_callback(await _from(cases, None), "06 98 76 54 32", now=next_day)
    assert first.sms_id and tomorrow.sms_id
    assert same_day.sms_refused == CAP_PER_DESTINATION


async def test_concurrent_bookings_stay_within_a_cap(
    db_url: str, store: Store, cases: CaseRepository
) -> None:
    """Bookings from other processes, at once, to one number: their counts do not
    each miss the others' rows (PostgreSQL: READ COMMITTED)."""
    case_ids = [await _from(cases, f"+3361234567{i}") for i in range(4)]
    stores = [open_store(db_url) for _ in case_ids]
    try:
        books = [CallbackBook(s, tz=PARIS, sms_caps=SmsCaps(per_destination=1)) for s in stores]
        booked = await asyncio.gather(
            *(b.book_callback(c, "06 98 76 54 32") for b, c in zip(books, case_ids, strict=True))
        )
    finally:
        for s in stores:
            s.close()
    assert len([b for b in booked if b.sms_id is not None]) == 1
    assert len([b for b in booked if b.sms_refused == CAP_PER_DESTINATION]) == 3


async def test_caps_and_countries_come_from_the_settings(
    store: Store, cases: CaseRepository
) -> None:
    settings = Settings(
        sms_cap_per_destination_per_day=1,
        callback_allow_international=True,
        callback_international_countries=["be"],
    )
    book = CallbackBook.from_settings(store, settings)
    assert book.sms_caps.per_destination == 1
    belgian = await book.book_callback(await _from(cases, None), "+32 470 12 34 56")
    assert belgian.number == "+32470123456" and belgian.sms_id is not None
    with pytest.raises(InvalidNumber) as caught:
        await book.book_callback(await _from(cases, None), "+41 78 123 45 67")
    assert caught.value.reason == "country_not_allowed"
    with pytest.raises(ConfigError):
        CallbackBook.from_settings(store, Settings(callback_international_countries=["+32"]))


async def test_a_number_in_no_range_is_not_booked(store: Store, cases: CaseRepository) -> None:
    book = CallbackBook(store, tz=PARIS)
    with pytest.raises(InvalidNumber) as caught:
        await book.book_callback(await _case(cases), "07 12 34 56 78")
    assert caught.value.reason == "not_assigned"
    assert await book.list_callbacks() == []
