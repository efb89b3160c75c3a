"""The store's side of the KPIs: one grouped query per source, each row a day key
(:func:`guichet.kpis.sql.day_key`) with counts and sums, so the database does the
scanning and hands back a few rows per day whatever the number of calls. Averages
come back as a sum and a count, to be added up per bucket. Pure reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, select, union
from sqlalchemy.orm import Session, aliased

from guichet.kpis.sql import day_key, seconds_between
from guichet.store.models import (
    Call,
    Callback,
    CallEvent,
    CardUse,
    Case,
    CaseTurn,
    QueueEvent,
    SmsOutboxRow,
)

__all__ = [
    "QUEUE_KINDS",
    "AbstainedRow",
    "CallbackRow",
    "CardCount",
    "CaseRow",
    "Keys",
    "QueueRow",
    "SmsRow",
    "VoicebotRow",
    "abstained_questions",
    "bot_answers",
    "callback_rows",
    "case_count",
    "case_rows",
    "desk_card_uses",
    "pinned_cards",
    "queue_rows",
    "service_joins",
    "sms_rows",
    "voicebot_rows",
]

JOIN, CONNECT, COMPLETE, ABANDON = (
    "QueueCallerJoin",
    "AgentConnect",
    "AgentComplete",
    "QueueCallerAbandon",
)
QUEUE_KINDS = (JOIN, CONNECT, COMPLETE, ABANDON)
VOICEBOT_STATE = "state.voicebot"  # pbx.calls.store writes one per entry to the bot


@dataclass(frozen=True)
class Keys:
    """How this store names a row's local day (its dialect, the city's zone, the
    period's edge hours)."""

    dialect: str
    zone: str
    edges: frozenset[int]

    def day(self, column: Any) -> Any:
        return day_key(column, self.dialect, self.zone, self.edges)


def _n(value: Any) -> int:
    return int(value or 0)


def _f(value: Any) -> float:
    return float(value or 0.0)


def _ones(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


@dataclass(frozen=True)
class QueueRow:
    day: str  # a day key (guichet.kpis.sql.day_key)
    queue: str
    kind: str
    count: int
    wait_sum: float
    wait_n: int
    talk_sum: float
    talk_n: int


def queue_rows(session: Session, lo: datetime, hi: datetime, keys: Keys) -> list[QueueRow]:
    day = keys.day(QueueEvent.at)
    query = (
        select(
            day,
            QueueEvent.queue,
            QueueEvent.kind,
            func.count(),
            func.sum(QueueEvent.wait_s),
            func.count(QueueEvent.wait_s),
            func.sum(QueueEvent.talk_s),
            func.count(QueueEvent.talk_s),
        )
        .where(QueueEvent.at >= lo, QueueEvent.at < hi, QueueEvent.kind.in_(QUEUE_KINDS))
        .group_by(day, QueueEvent.queue, QueueEvent.kind)
    )
    return [
        QueueRow(str(h), str(q), str(k), _n(n), _f(ws), _n(wn), _f(ts), _n(tn))
        for h, q, k, n, ws, wn, ts, tn in session.execute(query)
    ]


@dataclass(frozen=True)
class VoicebotRow:
    day: str  # a day key (guichet.kpis.sql.day_key)
    handled: int
    contained: int
    abandoned: int
    transfers: int
    handle_sum: float
    handle_n: int


def voicebot_rows(
    session: Session, lo: datetime, hi: datetime, keys: Keys, reception: str
) -> list[VoicebotRow]:
    """Calls that reached the bot, by the hour they started, with their case's
    outcome and whether they joined a specialised service's queue afterwards."""
    day = keys.day(Call.started_at)
    reached_bot = exists().where(CallEvent.call_id == Call.id, CallEvent.kind == VOICEBOT_STATE)
    to_service = exists().where(
        QueueEvent.caller_id == Call.id, QueueEvent.kind == JOIN, QueueEvent.queue != reception
    )
    timed = and_(Call.answered_at.is_not(None), Call.ended_at.is_not(None))
    handle = case(
        (timed, seconds_between(Call.answered_at, Call.ended_at, keys.dialect)), else_=None
    )
    query = (
        select(
            day,
            func.count(),
            _ones(Case.outcome == "answered_by_bot"),
            _ones(Case.outcome == "abandoned"),
            _ones(to_service),
            func.sum(handle),
            func.count(handle),
        )
        .select_from(Call)
        .outerjoin(Case, Case.call_id == Call.id)
        .where(Call.started_at >= lo, Call.started_at < hi, reached_bot)
        .group_by(day)
    )
    return [
        VoicebotRow(str(h), _n(n), _n(c), _n(a), _n(t), _f(hs), _n(hn))
        for h, n, c, a, t, hs, hn in session.execute(query)
    ]


@dataclass(frozen=True)
class CaseRow:
    day: str  # a day key (guichet.kpis.sql.day_key)
    cases: int
    abandoned: int
    by_bot: int
    first_level: int
    reception_wrapped: int
    reception_escalated: int


def case_rows(session: Session, lo: datetime, hi: datetime, keys: Keys) -> list[CaseRow]:
    day = keys.day(Case.created_at)
    at_reception = and_(Case.handled_by.is_not(None), Case.wrapped_up_at.is_not(None))
    query = (
        select(
            day,
            func.count(),
            _ones(Case.outcome == "abandoned"),
            _ones(Case.outcome == "answered_by_bot"),
            _ones(and_(at_reception, Case.first_level.is_(True))),
            _ones(at_reception),
            _ones(and_(at_reception, Case.escalated_to.is_not(None))),
        )
        .where(Case.created_at >= lo, Case.created_at < hi)
        .group_by(day)
    )
    return [
        CaseRow(str(h), _n(n), _n(a), _n(b), _n(f), _n(w), _n(e))
        for h, n, a, b, f, w, e in session.execute(query)
    ]


def case_count(session: Session, lo: datetime, hi: datetime) -> int:
    return _n(
        session.scalar(select(func.count()).where(Case.created_at >= lo, Case.created_at < hi))
    )


def service_joins(session: Session, lo: datetime, hi: datetime, reception: str) -> int:
    """Joins of a specialised service's queue: the transfers, from anywhere."""
    return _n(
        session.scalar(
            select(func.count()).where(
                QueueEvent.at >= lo,
                QueueEvent.at < hi,
                QueueEvent.kind == JOIN,
                QueueEvent.queue != reception,
            )
        )
    )


@dataclass(frozen=True)
class CallbackRow:
    day: str  # a day key (guichet.kpis.sql.day_key)
    service: str
    due: int
    on_time: int
    late: int


def callback_rows(session: Session, lo: datetime, hi: datetime, keys: Keys) -> list[CallbackRow]:
    """Callbacks by the hour they were due; ``hi`` is at most now (one not yet due
    is neither on time nor late)."""
    day = keys.day(Callback.due_by)
    done = Callback.status == "done"
    query = (
        select(
            day,
            Callback.service,
            func.count(),
            _ones(and_(done, Callback.done_at <= Callback.due_by)),
            _ones(and_(done, Callback.done_at > Callback.due_by)),
        )
        .where(Callback.due_by >= lo, Callback.due_by < hi)
        .group_by(day, Callback.service)
    )
    return [
        CallbackRow(str(h), s or "", _n(n), _n(o), _n(late))
        for h, s, n, o, late in session.execute(query)
    ]


@dataclass(frozen=True)
class SmsRow:
    day: str  # a day key (guichet.kpis.sql.day_key)
    kind: str  # "sent" | "failed"
    count: int


def sms_rows(session: Session, lo: datetime, hi: datetime, keys: Keys) -> list[SmsRow]:
    """Sent by the time sent; failed and refused by the time written."""
    sent_day = keys.day(SmsOutboxRow.sent_at)
    sent = (
        select(sent_day, func.count())
        .where(
            SmsOutboxRow.status == "sent",
            SmsOutboxRow.sent_at >= lo,
            SmsOutboxRow.sent_at < hi,
        )
        .group_by(sent_day)
    )
    made_day = keys.day(SmsOutboxRow.created_at)
    failed = (
        select(made_day, func.count())
        .where(
            SmsOutboxRow.status.in_(("failed", "refused")),
            SmsOutboxRow.created_at >= lo,
            SmsOutboxRow.created_at < hi,
        )
        .group_by(made_day)
    )
    rows = [SmsRow(str(d), "sent", _n(n)) for d, n in session.execute(sent)]
    rows += [SmsRow(str(d), "failed", _n(n)) for d, n in session.execute(failed)]
    return rows


@dataclass(frozen=True)
class CardCount:
    day: str  # a day key (guichet.kpis.sql.day_key)
    card: str
    count: int


def desk_card_uses(session: Session, lo: datetime, hi: datetime, keys: Keys) -> list[CardCount]:
    """Per day and card, the cases where the desk used it: a 'used' mark during the
    call or the first-level wrap-up's card, one case counted once a day."""
    marked = select(
        keys.day(CardUse.at).label("day"),
        func.coalesce(CardUse.case_id, CardUse.call_id).label("k"),
        CardUse.card_id.label("card"),
    ).where(CardUse.kind == "used", CardUse.at >= lo, CardUse.at < hi)
    wrapped = select(
        keys.day(Case.wrapped_up_at).label("day"),
        Case.id.label("k"),
        Case.card_used.label("card"),
    ).where(Case.card_used.is_not(None), Case.wrapped_up_at >= lo, Case.wrapped_up_at < hi)
    both = union(marked, wrapped).subquery()
    query = select(both.c.day, both.c.card, func.count()).group_by(both.c.day, both.c.card)
    return [CardCount(str(d), str(card), _n(n)) for d, card, n in session.execute(query)]


def pinned_cards(session: Session, lo: datetime, hi: datetime, keys: Keys) -> list[CardCount]:
    day = keys.day(CardUse.at)
    query = (
        select(day, CardUse.card_id, func.count())
        .where(CardUse.kind == "pinned", CardUse.at >= lo, CardUse.at < hi)
        .group_by(day, CardUse.card_id)
    )
    return [CardCount(str(d), str(card), _n(n)) for d, card, n in session.execute(query)]


def bot_answers(session: Session, lo: datetime, hi: datetime, keys: Keys) -> list[CardCount]:
    day = keys.day(CaseTurn.at)
    query = (
        select(day, CaseTurn.card_id, func.count())
        .where(
            CaseTurn.speaker == "bot",
            CaseTurn.card_id.is_not(None),
            CaseTurn.at >= lo,
            CaseTurn.at < hi,
        )
        .group_by(day, CaseTurn.card_id)
    )
    return [CardCount(str(d), str(card), _n(n)) for d, card, n in session.execute(query)]


@dataclass(frozen=True)
class AbstainedRow:
    day: str  # a day key (guichet.kpis.sql.day_key)
    text: str
    times: int
    last: datetime


def abstained_questions(
    session: Session, lo: datetime, hi: datetime, keys: Keys
) -> list[AbstainedRow]:
    """The caller's last words before each turn where the bot abstained (a bot turn
    with no card but a confidence: the nearest card's, not sure enough), counted per
    day and exact text, with the last time."""
    bot = aliased(CaseTurn)
    asked = aliased(CaseTurn)
    before = aliased(CaseTurn)
    last_caller_seq = (
        select(func.max(before.seq))
        .where(before.case_id == bot.case_id, before.seq < bot.seq, before.speaker == "caller")
        .scalar_subquery()
    )
    day = keys.day(bot.at)
    query = (
        select(day, asked.text, func.count(), func.max(bot.at))
        .select_from(bot)
        .join(asked, and_(asked.case_id == bot.case_id, asked.seq == last_caller_seq))
        .where(
            bot.speaker == "bot",
            bot.card_id.is_(None),
            bot.confidence.is_not(None),
            bot.at >= lo,
            bot.at < hi,
        )
        .group_by(day, asked.text)
    )
    return [AbstainedRow(str(d), str(t), _n(n), last) for d, t, n, last in session.execute(query)]
