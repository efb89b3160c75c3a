"""The experts' callback work: the list of callbacks to make, each call attempt, and
what came of it.

- :meth:`CallbackAttempts.worklist`: the open callbacks of some services (None: all),
  due and overdue first, with what the expert needs to call (reference, summary,
  transcript, language, attempts so far); every case shown leaves its audit row in
  the same transaction (a list that cannot be audited is not shown).
- :meth:`CallbackAttempts.begin`: an attempt starts (click-to-call). The number to
  dial is the one stored on the callback, checked again against the callback
  numbers' rules (:meth:`CallbackBook.normalize`): a number the rules no longer take
  (a country taken off the allow-list since the booking) is not dialled.
- :meth:`CallbackAttempts.record_outcome`: reached and solved, reached and needs a
  follow-up, no answer (the next attempt within the opening hours; after the last
  one the callback is given up and an SMS tells the citizen, through the outbox, in
  the same commit), wrong number (given up, no SMS: the number is someone else's).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from guichet.casefile.callbacks import CallbackBook, compute_due_by
from guichet.casefile.errors import CallbackNotFound, InvalidCaseUpdate
from guichet.casefile.outbox import queue_sms
from guichet.casefile.phone_numbers import can_receive_sms
from guichet.casefile.records import (
    CallbackRecord,
    CallbackStatus,
    Speaker,
    TurnRecord,
    as_utc,
    as_utc_opt,
)
from guichet.casefile.repository import callback_record, lock_case
from guichet.privacy.audit import AuditAction, audit_in, case_object
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import Callback, CallbackAttempt, Case, CaseTurn, utcnow

__all__ = [
    "AttemptOutcome",
    "AttemptRecord",
    "CallbackAttempts",
    "CallbackItem",
    "OutcomeResult",
    "failed_callback_sms_key",
    "failed_callback_sms_text",
]

OPEN_STATUSES = (CallbackStatus.PENDING.value, CallbackStatus.IN_PROGRESS.value)


class AttemptOutcome(StrEnum):
    REACHED_SOLVED = "reached_solved"
    REACHED_FOLLOW_UP = "reached_follow_up"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"


@dataclass(frozen=True)
class AttemptRecord:
    callback_id: str
    seq: int
    username: str
    started_at: datetime
    channel_id: str | None = None
    outcome: AttemptOutcome | None = None
    ended_at: datetime | None = None
    next_due_by: datetime | None = None


@dataclass(frozen=True)
class CallbackItem:
    """One line of an expert's callback list."""

    callback: CallbackRecord
    attempts: int
    summary: str | None
    topic: str | None
    transcript: tuple[TurnRecord, ...]
    overdue: bool


@dataclass(frozen=True)
class OutcomeResult:
    callback: CallbackRecord
    attempt: AttemptRecord
    failed_attempts: int
    given_up: bool
    sms_id: str | None = None  # the "we could not reach you" SMS, when one was queued
    sms_refused: str | None = None


_FAILED_SMS = {
    "fr": (
        "Mairie : nous avons essayé de vous rappeler {n} fois pour votre demande {ref}, "
        "sans vous joindre. Vous pouvez appeler la mairie aux heures d'ouverture en "
        "rappelant cette référence."
    ),
    "en": (
        "City hall: we tried to call you back {n} times about your request {ref} but "
        "could not reach you. You can call the city hall during opening hours, quoting "
        "this reference."
    ),
}


def failed_callback_sms_key(callback_id: str) -> str:
    return f"callback-failed:{callback_id}"


def failed_callback_sms_text(reference: str, attempts: int, language: str) -> str:
    """What the city writes after its last failed attempt: its own words only (the
    reference, the count), never what the caller said."""
    lang = language if language in _FAILED_SMS else "fr"
    return _FAILED_SMS[lang].format(n=attempts, ref=reference)


def _attempt_record(row: CallbackAttempt) -> AttemptRecord:
    return AttemptRecord(
        callback_id=row.callback_id,
        seq=row.seq,
        username=row.username,
        started_at=as_utc(row.started_at),
        channel_id=row.channel_id,
        outcome=AttemptOutcome(row.outcome) if row.outcome else None,
        ended_at=as_utc_opt(row.ended_at),
        next_due_by=as_utc_opt(row.next_due_by),
    )


def _load(session: Session, callback_id: str) -> Callback:
    callback = session.get(Callback, callback_id)
    if callback is None:
        raise CallbackNotFound(f"no callback {callback_id}")
    return callback


def _lock(session: Session, callback_id: str, now: datetime) -> Callback:
    """The callback, with its case locked (:func:`lock_case`): two experts clicking
    on one callback, or an outcome racing a click, take turns."""
    callback = _load(session, callback_id)
    lock_case(session, callback.case_id, now)
    session.refresh(callback)
    return callback


def _lock_open(session: Session, callback_id: str, now: datetime) -> Callback:
    """:func:`_lock`, for a callback still to be worked (else InvalidCaseUpdate)."""
    callback = _lock(session, callback_id, now)
    if callback.status not in OPEN_STATUSES:
        raise InvalidCaseUpdate(f"callback {callback.reference} is {callback.status}")
    return callback


def _open_attempt(session: Session, callback_id: str) -> CallbackAttempt | None:
    return session.scalars(
        select(CallbackAttempt)
        .where(CallbackAttempt.callback_id == callback_id, CallbackAttempt.outcome.is_(None))
        .order_by(CallbackAttempt.seq.desc())
    ).first()


def _next_seq(session: Session, callback_id: str) -> int:
    last = session.scalar(
        select(func.max(CallbackAttempt.seq)).where(CallbackAttempt.callback_id == callback_id)
    )
    return (last or 0) + 1


def _new_attempt(
    session: Session, callback_id: str, username: str, now: datetime
) -> CallbackAttempt:
    """The callback's next attempt, by ``username``, started ``now`` (added)."""
    attempt = CallbackAttempt(
        callback_id=callback_id,
        seq=_next_seq(session, callback_id),
        username=username,
        started_at=now,
    )
    session.add(attempt)
    return attempt


class CallbackAttempts:
    """The callback work of the experts. Construct once per process, share."""

    def __init__(
        self,
        store: Store,
        book: CallbackBook,
        *,
        max_attempts: int = 3,
        retry_working_hours: float = 2.0,
        on_sms_queued: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._on_sms_queued = on_sms_queued  # wakes the outbox (guichet up)
        self.book = book  # its rules for numbers, its opening hours, its SMS caps
        self.max_attempts = max_attempts
        self.retry_working_hours = retry_working_hours

    @classmethod
    def from_settings(
        cls,
        store: Store,
        settings: Settings,
        book: CallbackBook | None = None,
        on_sms_queued: Callable[[], None] | None = None,
    ) -> CallbackAttempts:
        return cls(
            store,
            book or CallbackBook.from_settings(store, settings),
            max_attempts=settings.callback_max_attempts,
            retry_working_hours=settings.callback_retry_working_hours,
            on_sms_queued=on_sms_queued,
        )

    # --- sync bodies, run in a thread ---
    def _worklist(
        self, services: Collection[str] | None, actor: str, limit: int, now: datetime
    ) -> list[CallbackItem]:
        with self._store.session() as session:
            query = (
                select(Callback)
                .where(Callback.status.in_(OPEN_STATUSES))
                .order_by(Callback.due_by, Callback.requested_at)
                .limit(limit)
            )
            if services is not None:
                if not services:
                    return []
                query = query.where(Callback.service.in_(sorted(services)))
            rows = list(session.scalars(query))
            counts = dict(
                session.execute(
                    select(CallbackAttempt.callback_id, func.count())
                    .where(CallbackAttempt.callback_id.in_([r.id for r in rows] or [""]))
                    .group_by(CallbackAttempt.callback_id)
                ).all()
            )
            items = []
            for row in rows:
                case = session.get(Case, row.case_id)
                turns = session.scalars(
                    select(CaseTurn).where(CaseTurn.case_id == row.case_id).order_by(CaseTurn.seq)
                )
                # shown to this person: audited with what it shows, in one commit
                audit_in(session, actor, AuditAction.CASE_READ, case_object(row.case_id))
                items.append(
                    CallbackItem(
                        callback=callback_record(row),
                        attempts=int(counts.get(row.id, 0)),
                        summary=case.summary if case else None,
                        topic=case.topic_title if case else None,
                        transcript=tuple(
                            TurnRecord(
                                seq=t.seq, speaker=Speaker(t.speaker), text=t.text, at=as_utc(t.at)
                            )
                            for t in turns
                        ),
                        overdue=as_utc(row.due_by) < now,
                    )
                )
            return items

    def _begin(
        self, callback_id: str, username: str, now: datetime
    ) -> tuple[CallbackRecord, AttemptRecord]:
        with self._store.session() as session:
            callback = _lock_open(session, callback_id, now)
            if _open_attempt(session, callback_id) is not None:
                raise InvalidCaseUpdate(
                    f"callback {callback.reference}: a call is on; record its outcome first"
                )
            # the stored number, through today's rules for callback numbers: raises
            # InvalidNumber before anything is dialled
            number = self.book.normalize(callback.number)
            if number != callback.number:
                raise InvalidCaseUpdate(f"callback {callback.reference}: stored number altered")
            attempt = _new_attempt(session, callback_id, username, now)
            callback.status = CallbackStatus.IN_PROGRESS.value
            callback.done_by = username
            session.flush()
            return callback_record(callback), _attempt_record(attempt)

    def _dialled(self, callback_id: str, seq: int, channel_id: str | None) -> None:
        with self._store.session() as session:
            attempt = session.scalars(
                select(CallbackAttempt).where(
                    CallbackAttempt.callback_id == callback_id, CallbackAttempt.seq == seq
                )
            ).one()
            if channel_id is None:
                # the call could not be placed: as if never clicked
                session.delete(attempt)
                session.execute(
                    update(Callback)
                    .where(Callback.id == callback_id)
                    .values(status=CallbackStatus.PENDING.value)
                )
            else:
                attempt.channel_id = channel_id

    def _record(
        self, callback_id: str, outcome: AttemptOutcome, username: str, now: datetime
    ) -> OutcomeResult:
        with self._store.session() as session:
            callback = _lock_open(session, callback_id, now)
            attempt = _open_attempt(session, callback_id)
            if attempt is None:  # called from another phone: the attempt is this outcome
                attempt = _new_attempt(session, callback_id, username, now)
            attempt.outcome = outcome.value
            attempt.ended_at = now
            session.flush()
            failed = int(
                session.scalar(
                    select(func.count()).where(
                        CallbackAttempt.callback_id == callback_id,
                        CallbackAttempt.outcome == AttemptOutcome.NO_ANSWER.value,
                    )
                )
                or 0
            )
            case = session.get(Case, callback.case_id)
            given_up = False
            sms_id = refused = None
            if outcome is AttemptOutcome.NO_ANSWER and failed < self.max_attempts:
                due = as_utc(compute_due_by(now, self.book.open_slots, self.retry_working_hours))
                callback.due_by = due
                callback.status = CallbackStatus.PENDING.value
                attempt.next_due_by = due
            elif outcome is AttemptOutcome.NO_ANSWER:
                given_up = True
                self._finish(callback, case, CallbackStatus.FAILED, username, now, close=True)
                sms_id, refused = self._tell_citizen(session, callback, case, failed, now)
            elif outcome is AttemptOutcome.WRONG_NUMBER:
                given_up = True
                self._finish(callback, case, CallbackStatus.FAILED, username, now, close=True)
            else:
                solved = outcome is AttemptOutcome.REACHED_SOLVED
                self._finish(callback, case, CallbackStatus.DONE, username, now, close=solved)
            callback.note = outcome.value
            session.flush()
            return OutcomeResult(
                callback=callback_record(callback),
                attempt=_attempt_record(attempt),
                failed_attempts=failed,
                given_up=given_up,
                sms_id=sms_id,
                sms_refused=refused,
            )

    @staticmethod
    def _finish(
        callback: Callback,
        case: Case | None,
        status: CallbackStatus,
        username: str,
        now: datetime,
        *,
        close: bool,
    ) -> None:
        callback.status = status.value
        callback.done_at = now
        callback.done_by = username
        # a follow-up keeps the case open: someone still has to act on it
        if close and case is not None and case.closed_at is None:
            case.closed_at = now
            case.updated_at = now

    def _tell_citizen(
        self, session: Session, callback: Callback, case: Case | None, failed: int, now: datetime
    ) -> tuple[str | None, str | None]:
        if not can_receive_sms(callback.number):
            return None, None  # a landline: nothing to text
        refused = self.book.sms_caps.refusal(
            session,
            to=callback.number,
            caller=case.caller_number if case else None,
            now=now,
            label=f"callback {callback.reference} given up",
        )
        body = failed_callback_sms_text(callback.reference, failed, callback.language)
        row = queue_sms(
            session,
            failed_callback_sms_key(callback.id),
            callback.number,
            body,
            now,
            refused=refused,
        )
        return (None if refused else row.id), refused

    def _attempts(self, callback_id: str) -> list[AttemptRecord]:
        with self._store.session() as session:
            _load(session, callback_id)
            rows = session.scalars(
                select(CallbackAttempt)
                .where(CallbackAttempt.callback_id == callback_id)
                .order_by(CallbackAttempt.seq)
            )
            return [_attempt_record(r) for r in rows]

    def _service_of(self, callback_id: str) -> str | None:
        with self._store.session() as session:
            return _load(session, callback_id).service

    # --- async API ---
    async def worklist(
        self,
        services: Collection[str] | None,
        *,
        actor: str,
        limit: int = 100,
        now: datetime | None = None,
    ) -> list[CallbackItem]:
        """Open callbacks of ``services`` (None: every service), soonest due first;
        ``actor`` (``web:<username>``) is audited as having read each case shown."""
        at = as_utc(now or utcnow())
        return await asyncio.to_thread(self._worklist, services, actor, limit, at)

    async def service_of(self, callback_id: str) -> str | None:
        """The callback's service (for the per-object rule); CallbackNotFound."""
        return await asyncio.to_thread(self._service_of, callback_id)

    async def begin(
        self, callback_id: str, username: str, *, now: datetime | None = None
    ) -> tuple[CallbackRecord, AttemptRecord]:
        """An attempt starts: the callback as stored (its number checked again) and
        the attempt row. InvalidNumber, InvalidCaseUpdate (done, or a call is on),
        CallbackNotFound."""
        return await asyncio.to_thread(self._begin, callback_id, username, as_utc(now or utcnow()))

    async def dialled(self, callback_id: str, seq: int, channel_id: str | None) -> None:
        """The call side placed the call (its channel), or could not (None: the
        attempt is withdrawn and the callback pending again)."""
        await asyncio.to_thread(self._dialled, callback_id, seq, channel_id)

    async def record_outcome(
        self,
        callback_id: str,
        outcome: AttemptOutcome | str,
        username: str,
        *,
        now: datetime | None = None,
    ) -> OutcomeResult:
        result = await asyncio.to_thread(
            self._record, callback_id, AttemptOutcome(outcome), username, as_utc(now or utcnow())
        )
        if result.sms_id is not None and self._on_sms_queued is not None:
            self._on_sms_queued()
        return result

    async def attempts(self, callback_id: str) -> list[AttemptRecord]:
        return await asyncio.to_thread(self._attempts, callback_id)
