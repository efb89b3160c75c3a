"""Cases in the store. Writes run in a worker thread: a durable SQLite commit waits for
the disk, and the event loop (a live call) must not."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from guichet.casefile.errors import CaseNotFound, InvalidCaseUpdate, InvalidNumber
from guichet.casefile.phone_numbers import normalize_number
from guichet.casefile.records import (
    CLOSING_OUTCOMES,
    CallbackRecord,
    CallbackStatus,
    CaseFile,
    CaseRecord,
    Channel,
    DeskRecord,
    Outcome,
    ProposalRecord,
    Speaker,
    TurnRecord,
    WrapUpAction,
    as_utc,
    as_utc_opt,
)
from guichet.store import Store
from guichet.store.models import Call, Callback, Case, CaseProposal, CaseTurn, utcnow


def case_record(case: Case) -> CaseRecord:
    return CaseRecord(
        id=case.id,
        channel=Channel(case.channel),
        language=case.language,
        outcome=Outcome(case.outcome),
        created_at=as_utc(case.created_at),
        updated_at=as_utc(case.updated_at),
        call_id=case.call_id,
        caller_number=case.caller_number,
        topic_card_id=case.topic_card_id,
        topic_title=case.topic_title,
        service=case.service,
        summary=case.summary,
        closed_at=as_utc_opt(case.closed_at),
        desk=desk_record(case),
    )


def desk_record(case: Case) -> DeskRecord:
    return DeskRecord(
        handled_by=case.handled_by,
        answered_at=as_utc_opt(case.desk_answered_at),
        ended_at=as_utc_opt(case.desk_ended_at),
        action=WrapUpAction(case.wrapup_action) if case.wrapup_action else None,
        code=case.wrapup_code,
        first_level=case.first_level,
        card_used=case.card_used,
        escalated_to=case.escalated_to,
        transferred_to=case.transferred_to,
        wrapped_up_at=as_utc_opt(case.wrapped_up_at),
        wrapped_up_by=case.wrapped_up_by,
        handle_s=case.handle_s,
        wrapup_s=case.wrapup_s,
    )


def callback_record(
    row: Callback, sms_id: str | None = None, sms_refused: str | None = None
) -> CallbackRecord:
    return CallbackRecord(
        id=row.id,
        reference=row.reference,
        case_id=row.case_id,
        number=row.number,
        language=row.language,
        requested_at=as_utc(row.requested_at),
        due_by=as_utc(row.due_by),
        status=CallbackStatus(row.status),
        service=row.service,
        done_at=as_utc_opt(row.done_at),
        done_by=row.done_by,
        note=row.note,
        sms_id=sms_id,
        sms_refused=sms_refused,
    )


def _turn_record(turn: CaseTurn) -> TurnRecord:
    return TurnRecord(
        seq=turn.seq,
        speaker=Speaker(turn.speaker),
        text=turn.text,
        at=as_utc(turn.at),
        card_id=turn.card_id,
        confidence=turn.confidence,
    )


_E = TypeVar("_E", Channel, Speaker, Outcome)


def _enum(kind: type[_E], value: str, what: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(v.value for v in kind)
        raise InvalidCaseUpdate(f"unknown {what} {value!r} (one of: {allowed})") from None


def load_case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"no case {case_id}")
    return case


def lock_case(session: Session, case_id: str, now: datetime) -> Case:
    """The case, after writing its ``updated_at``: that first write makes the other
    writers of the case wait until this transaction ends (PostgreSQL locks the row,
    SQLite takes its one write lock), so what this one reads next (the last turn
    number, a callback already booked) no other writer can change under it. A read
    first would not do: under PostgreSQL's READ COMMITTED two transactions both read,
    then both write."""
    locked = session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount != 1:  # type: ignore[attr-defined]
        raise CaseNotFound(f"no case {case_id}")
    return load_case(session, case_id)


def _confidence(value: float | None) -> float | None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise InvalidCaseUpdate(f"confidence {value} is outside 0..1")
    return value


class CaseRepository:
    """The case file's async API. Every method is one short transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def store(self) -> Store:
        """The store the cases are in (the call side records its incidents there too)."""
        return self._store

    # --- sync bodies, run in a thread ---
    def _open(
        self,
        channel: str,
        call_id: str | None,
        caller_number: str | None,
        language: str,
        now: datetime | None,
    ) -> CaseRecord:
        kind = _enum(Channel, channel, "channel")
        try:
            # as presented, whatever the callback policy (foreign, a range newer than
            # libphonenumber's data): the case records who called, nothing more
            number = normalize_number(
                caller_number, allow_international=True, known_ranges_only=False
            )
        except InvalidNumber:
            number = None  # withheld or garbled caller ID: the case opens anyway
        at = as_utc(now or utcnow())
        with self._store.session() as session:
            if call_id is not None and session.get(Call, call_id) is None:
                raise InvalidCaseUpdate(f"no call {call_id} in the store (create it first)")
            case = Case(
                id=str(uuid.uuid4()),
                call_id=call_id,
                channel=kind.value,
                caller_number=number,
                language=language,
                outcome=Outcome.OPEN.value,
                created_at=at,
                updated_at=at,
            )
            session.add(case)
            session.flush()
            return case_record(case)

    def _add_turn(
        self,
        case_id: str,
        speaker: str,
        text: str,
        card_id: str | None,
        confidence: float | None,
        at: datetime | None,
    ) -> TurnRecord:
        who = _enum(Speaker, speaker, "speaker")
        with self._store.session() as session:
            # seq from the store, not from the caller: two writers (bot and agent) may
            # add turns to one case; the case's lock makes them take turns
            lock_case(session, case_id, utcnow())
            last = session.scalar(select(func.max(CaseTurn.seq)).where(CaseTurn.case_id == case_id))
            turn = CaseTurn(
                case_id=case_id,
                seq=(last or 0) + 1,
                speaker=who.value,
                text=text.strip(),
                at=as_utc(at or utcnow()),
                card_id=card_id,
                confidence=_confidence(confidence),
            )
            session.add(turn)
            session.flush()
            return _turn_record(turn)

    def _add_proposal(
        self,
        case_id: str,
        card_id: str,
        confidence: float,
        title: str | None,
        turn_seq: int | None,
    ) -> ProposalRecord:
        with self._store.session() as session:
            case = load_case(session, case_id)
            proposal = CaseProposal(
                case_id=case_id,
                card_id=card_id,
                title=title,
                confidence=_confidence(confidence),
                turn_seq=turn_seq,
                at=utcnow(),
            )
            session.add(proposal)
            case.updated_at = utcnow()
            session.flush()
            return ProposalRecord(
                card_id=card_id,
                confidence=confidence,
                at=as_utc(proposal.at),
                title=title,
                turn_seq=turn_seq,
            )

    def _update(self, case_id: str, **values: object) -> CaseRecord:
        with self._store.session() as session:
            case = load_case(session, case_id)
            for name, value in values.items():
                setattr(case, name, value)
            case.updated_at = utcnow()
            session.flush()
            return case_record(case)

    def _set_outcome(self, case_id: str, outcome: str, close: bool | None) -> CaseRecord:
        result = _enum(Outcome, outcome, "outcome")
        closing = result in CLOSING_OUTCOMES if close is None else close
        with self._store.session() as session:
            case = load_case(session, case_id)
            case.outcome = result.value
            now = utcnow()
            case.updated_at = now
            if closing and case.closed_at is None:
                case.closed_at = now
            if not closing:
                case.closed_at = None
            session.flush()
            return case_record(case)

    def _get(self, case_id: str) -> CaseFile:
        with self._store.session() as session:
            case = load_case(session, case_id)
            callbacks = session.scalars(
                select(Callback).where(Callback.case_id == case_id).order_by(Callback.requested_at)
            )
            return CaseFile(
                case=case_record(case),
                turns=tuple(_turn_record(t) for t in case.turns),
                proposals=tuple(
                    ProposalRecord(
                        card_id=p.card_id,
                        confidence=p.confidence,
                        at=as_utc(p.at),
                        title=p.title,
                        turn_seq=p.turn_seq,
                    )
                    for p in case.proposals
                ),
                callbacks=tuple(callback_record(c) for c in callbacks),
            )

    def _for_call(self, call_id: str) -> CaseRecord | None:
        with self._store.session() as session:
            case = session.scalars(
                select(Case).where(Case.call_id == call_id).order_by(Case.created_at.desc())
            ).first()
            return case_record(case) if case else None

    def _list(self, outcome: str | None, limit: int) -> list[CaseRecord]:
        with self._store.session() as session:
            query = select(Case).order_by(Case.created_at.desc()).limit(limit)
            if outcome is not None:
                query = query.where(Case.outcome == _enum(Outcome, outcome, "outcome").value)
            return [case_record(c) for c in session.scalars(query)]

    # --- async API ---
    async def open_case(
        self,
        *,
        channel: Channel | str = Channel.PHONE,
        call_id: str | None = None,
        caller_number: str | None = None,
        language: str = "fr",
        now: datetime | None = None,
    ) -> CaseRecord:
        """A new case. ``caller_number`` is the raw caller ID: kept in E.164 when it is a
        valid number, dropped (None) when withheld or invalid."""
        return await asyncio.to_thread(
            self._open, str(channel), call_id, caller_number, language, now
        )

    async def add_turn(
        self,
        case_id: str,
        speaker: Speaker | str,
        text: str,
        *,
        card_id: str | None = None,
        confidence: float | None = None,
        at: datetime | None = None,
    ) -> TurnRecord:
        return await asyncio.to_thread(
            self._add_turn, case_id, str(speaker), text, card_id, confidence, at
        )

    async def add_proposal(
        self,
        case_id: str,
        card_id: str,
        confidence: float,
        *,
        title: str | None = None,
        turn_seq: int | None = None,
    ) -> ProposalRecord:
        return await asyncio.to_thread(
            self._add_proposal, case_id, card_id, confidence, title, turn_seq
        )

    async def set_topic(
        self, case_id: str, card_id: str | None, title: str | None, service: str | None = None
    ) -> CaseRecord:
        """The card the conversation is about; ``service`` is its expert service slug."""
        return await asyncio.to_thread(
            self._update, case_id, topic_card_id=card_id, topic_title=title, service=service
        )

    async def set_language(self, case_id: str, language: str) -> CaseRecord:
        return await asyncio.to_thread(self._update, case_id, language=language)

    async def set_summary(self, case_id: str, summary: str) -> CaseRecord:
        return await asyncio.to_thread(self._update, case_id, summary=summary)

    async def set_outcome(
        self, case_id: str, outcome: Outcome | str, *, close: bool | None = None
    ) -> CaseRecord:
        """Record how the case ended so far. ``close`` defaults by outcome: answered and
        abandoned close the case; escalated and callback leave it open for a person."""
        return await asyncio.to_thread(self._set_outcome, case_id, str(outcome), close)

    async def close_case(self, case_id: str) -> CaseRecord:
        return await asyncio.to_thread(self._update, case_id, closed_at=utcnow())

    async def get_case(self, case_id: str) -> CaseFile:
        """The whole case file; raises :class:`CaseNotFound`."""
        return await asyncio.to_thread(self._get, case_id)

    async def case_for_call(self, call_id: str) -> CaseRecord | None:
        """The case of a call (the latest, if a restarted controller opened two)."""
        return await asyncio.to_thread(self._for_call, call_id)

    async def list_cases(
        self, *, outcome: Outcome | str | None = None, limit: int = 50
    ) -> list[CaseRecord]:
        return await asyncio.to_thread(self._list, None if outcome is None else str(outcome), limit)
