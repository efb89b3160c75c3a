"""The experts' callback work on a real store (SQLite and PostgreSQL): the list per
service, due first, audited; an attempt dials only the stored number, checked again
against today's rules; outcomes: the next attempt within the opening hours after a
no-answer, the SMS after the last one, no SMS for a wrong number."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from guichet.casefile.attempts import (
    AttemptOutcome,
    CallbackAttempts,
    failed_callback_sms_key,
)
from guichet.casefile.callbacks import CallbackBook, office_hours
from guichet.casefile.errors import InvalidCaseUpdate, InvalidNumber
from guichet.casefile.records import CallbackStatus, as_utc
from guichet.casefile.repository import CaseRepository
from guichet.privacy import audit_trail, case_object
from guichet.store import Store
from guichet.store.models import Callback, CallbackAttempt, Case, SmsOutboxRow

PARIS = ZoneInfo("Europe/Paris")
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)  # open (office hours)


def book_for(store: Store, **kwargs: object) -> CallbackBook:
    return CallbackBook(store, tz=PARIS, open_slots=office_hours(PARIS), **kwargs)  # type: ignore[arg-type]


async def booked(
    store: Store, cases: CaseRepository, number: str, service: str, *, book: CallbackBook
) -> str:
    case = await cases.open_case(caller_number=number, now=TUESDAY_10)
    await cases.add_turn(case.id, "caller", "Je voudrais un acte de naissance.")
    await cases.set_summary(case.id, "Acte de naissance pour sa fille.")
    record = await book.book_callback(
        case.id, number, service=service, now=TUESDAY_10, send_sms=False
    )
    return record.id


async def test_worklist_per_service_due_first_and_audited(
    store: Store, cases: CaseRepository
) -> None:
    book = book_for(store)
    work = CallbackAttempts(store, book)
    civil = await booked(store, cases, "06 12 34 56 78", "etat-civil", book=book)
    urba = await booked(store, cases, "06 98 76 54 32", "urbanisme", book=book)
    with store.session() as session:  # the état civil one is overdue
        row = session.get(Callback, civil)
        assert row is not None
        row.due_by = as_utc(TUESDAY_10 - timedelta(hours=1))
    mine = await work.worklist({"etat-civil"}, actor="web:zoe", now=TUESDAY_10)
    assert [i.callback.id for i in mine] == [civil]
    item = mine[0]
    assert item.overdue and item.attempts == 0
    assert item.summary == "Acte de naissance pour sa fille."
    assert [t.text for t in item.transcript] == ["Je voudrais un acte de naissance."]
    trail = audit_trail(store, object=case_object(item.callback.case_id))
    assert [(a.actor, a.action) for a in trail] == [("web:zoe", "case.read")]
    everything = await work.worklist(None, actor="web:sup", now=TUESDAY_10)
    assert [i.callback.id for i in everything] == [civil, urba]  # due first
    assert await work.worklist(frozenset(), actor="web:agent", now=TUESDAY_10) == []


async def test_no_answer_schedules_the_next_attempt_then_the_last_one_texts(
    store: Store, cases: CaseRepository
) -> None:
    book = book_for(store)
    work = CallbackAttempts(store, book, max_attempts=2, retry_working_hours=2.0)
    cb = await booked(store, cases, "06 12 34 56 78", "etat-civil", book=book)
    callback, attempt = await work.begin(cb, "zoe", now=TUESDAY_10)
    assert callback.number == "+33612345678" and attempt.seq == 1
    assert callback.status is CallbackStatus.IN_PROGRESS
    with pytest.raises(InvalidCaseUpdate):  # one call at a time per callback
        await work.begin(cb, "zoe", now=TUESDAY_10)
    await work.dialled(cb, attempt.seq, "ctc-1")
    first = await work.record_outcome(cb, AttemptOutcome.NO_ANSWER, "zoe", now=TUESDAY_10)
    # 2 opening hours after Tuesday 10:00: the morning's end, 12:00
    expected = datetime(2026, 11, 24, 12, 0, tzinfo=PARIS)
    assert first.attempt.next_due_by == expected and not first.given_up
    assert first.callback.status is CallbackStatus.PENDING
    assert first.callback.due_by == expected
    assert first.attempt.channel_id == "ctc-1"
    later = TUESDAY_10 + timedelta(hours=5)
    await work.begin(cb, "zoe", now=later)
    last = await work.record_outcome(cb, AttemptOutcome.NO_ANSWER, "zoe", now=later)
    assert last.given_up and last.failed_attempts == 2 and last.sms_id is not None
    assert last.callback.status is CallbackStatus.FAILED
    with store.session() as session:
        sms = session.scalars(
            select(SmsOutboxRow).where(SmsOutboxRow.idempotency_key == failed_callback_sms_key(cb))
        ).one()
        assert sms.to_number == "+33612345678"
        assert last.callback.reference in sms.body and "2 fois" in sms.body
        rows = session.scalars(select(CallbackAttempt).order_by(CallbackAttempt.seq)).all()
        assert [(r.seq, r.outcome) for r in rows] == [(1, "no_answer"), (2, "no_answer")]
        case = session.get(Case, last.callback.case_id)
        assert case is not None and case.closed_at is not None
    with pytest.raises(InvalidCaseUpdate):  # given up: nothing more to dial
        await work.begin(cb, "zoe", now=later)


async def test_outcomes_reached_and_wrong_number(store: Store, cases: CaseRepository) -> None:
    book = book_for(store)
    work = CallbackAttempts(store, book)
    solved = await booked(store, cases, "06 12 34 56 78", "etat-civil", book=book)
    follow = await booked(store, cases, "06 12 34 56 79", "etat-civil", book=book)
    wrong = await booked(store, cases, "06 12 34 56 70", "etat-civil", book=book)
    a = await work.record_outcome(solved, "reached_solved", "zoe", now=TUESDAY_10)
    b = await work.record_outcome(follow, "reached_follow_up", "zoe", now=TUESDAY_10)
    c = await work.record_outcome(wrong, "wrong_number", "zoe", now=TUESDAY_10)
    assert a.callback.status is CallbackStatus.DONE and not a.given_up
    assert b.callback.status is CallbackStatus.DONE
    assert c.callback.status is CallbackStatus.FAILED and c.given_up and c.sms_id is None
    with store.session() as session:
        closed = {
            cb: session.get(Case, r.callback.case_id).closed_at is not None  # type: ignore[union-attr]
            for cb, r in ((solved, a), (follow, b), (wrong, c))
        }
        assert session.scalars(select(SmsOutboxRow)).all() == []  # never to a wrong number
    assert closed == {solved: True, follow: False, wrong: True}  # a follow-up stays open


async def test_the_stored_number_is_checked_again_at_dial_time(
    store: Store, cases: CaseRepository
) -> None:
    # booked while Belgian numbers were allowed; the allow-list changed since
    open_book = book_for(store, allow_international=True, international_countries=["BE"])
    cb = await booked(store, cases, "+32 470 12 34 56", "etat-civil", book=open_book)
    work = CallbackAttempts(store, book_for(store))
    with pytest.raises(InvalidNumber):
        await work.begin(cb, "zoe", now=TUESDAY_10)
    with store.session() as session:
        assert session.scalars(select(CallbackAttempt)).all() == []
        row = session.get(Callback, cb)
        assert row is not None and row.status == "pending"


async def test_a_call_not_placed_is_withdrawn(store: Store, cases: CaseRepository) -> None:
    book = book_for(store)
    work = CallbackAttempts(store, book)
    cb = await booked(store, cases, "06 12 34 56 78", "etat-civil", book=book)
    _, attempt = await work.begin(cb, "zoe", now=TUESDAY_10)
    await work.dialled(cb, attempt.seq, None)
    assert await work.attempts(cb) == []
    again, retry = await work.begin(cb, "zoe", now=TUESDAY_10)
    assert retry.seq == 1 and again.status is CallbackStatus.IN_PROGRESS
