"""What the case file hands out: frozen records, never live ORM objects (a session is
one unit of work; callers on the event loop must not lazy-load)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class Channel(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    DESK = "desk"
    WEB = "web"  # the city's website: the chat widget and the call button (issue 14)


class Speaker(StrEnum):
    CALLER = "caller"
    BOT = "bot"
    AGENT = "agent"
    EXPERT = "expert"
    SYSTEM = "system"


class Outcome(StrEnum):
    OPEN = "open"
    ANSWERED_BY_BOT = "answered_by_bot"
    ANSWERED_BY_RECEPTION = "answered_by_reception"
    ANSWERED_BY_EXPERT = "answered_by_expert"  # after an escalation (the desk, 0011)
    ESCALATED = "escalated"
    CALLBACK = "callback"
    ABANDONED = "abandoned"


# outcomes that end the conversation: the case gets its closed_at. 'escalated' and
# 'callback' still have a person to act, so they stay open until that person is done.
CLOSING_OUTCOMES = frozenset(
    {
        Outcome.ANSWERED_BY_BOT,
        Outcome.ANSWERED_BY_RECEPTION,
        Outcome.ANSWERED_BY_EXPERT,
        Outcome.ABANDONED,
    }
)


class CallbackStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"


class SmsStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # never sent: a cap refused it when it was written (``last_error`` says which).
    # Kept as a row so that the refusal is on record, next to what it would have said.
    REFUSED = "refused"


def as_utc(value: datetime) -> datetime:
    """Every datetime the store holds is UTC (``guichet.store.models.UtcDateTime``);
    one handed in naive is taken as UTC, one in another zone converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_utc_opt(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


@dataclass(frozen=True)
class TurnRecord:
    seq: int
    speaker: Speaker
    text: str
    at: datetime
    card_id: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class ProposalRecord:
    card_id: str
    confidence: float
    at: datetime
    title: str | None = None
    turn_seq: int | None = None


class WrapUpAction(StrEnum):
    """How a desk agent ended their part of a case, in one click."""

    FIRST_LEVEL = "first_level"  # answered by the agent, with the card used
    ESCALATED = "escalated"  # to a service's queue, with a summary
    CALLBACK = "callback"  # booked, SMS through the outbox
    TRANSFERRED = "transferred"  # to a queue or a colleague (no summary)


class DeskRole(StrEnum):
    AGENT = "agent"  # rung from the reception queue
    EXPERT = "expert"  # rung from a service's queue


@dataclass(frozen=True)
class DeskRecord:
    """What the desk recorded on a case: who answered, the wrap-up and its times
    (the KPIs: answered at first level, transfers to services, handle and wrap-up
    time). ``handle_s``: answered to the end of the first agent's leg; ``wrapup_s``:
    that end to the wrap-up (0 when wrapped up during the call)."""

    handled_by: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    action: WrapUpAction | None = None
    code: str | None = None
    first_level: bool | None = None
    card_used: str | None = None
    escalated_to: str | None = None
    transferred_to: str | None = None
    wrapped_up_at: datetime | None = None
    wrapped_up_by: str | None = None
    handle_s: float | None = None
    wrapup_s: float | None = None


@dataclass(frozen=True)
class CaseAgentRecord:
    """One desk account rung for one queued call (``case_agents``)."""

    call_id: str
    case_id: str
    username: str
    queue: str
    role: DeskRole
    rung_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class CaseRecord:
    id: str
    channel: Channel
    language: str
    outcome: Outcome
    created_at: datetime
    updated_at: datetime
    call_id: str | None = None
    caller_number: str | None = None
    topic_card_id: str | None = None
    topic_title: str | None = None
    service: str | None = None
    summary: str | None = None
    closed_at: datetime | None = None
    desk: DeskRecord = field(default_factory=DeskRecord)  # the desk's part (0011)


@dataclass(frozen=True)
class CaseFile:
    """A case with its transcript and proposals: what the next person reads."""

    case: CaseRecord
    turns: tuple[TurnRecord, ...] = ()
    proposals: tuple[ProposalRecord, ...] = ()
    callbacks: tuple[CallbackRecord, ...] = field(default=())


@dataclass(frozen=True)
class CallbackRecord:
    id: str
    reference: str
    case_id: str
    number: str
    language: str
    requested_at: datetime
    due_by: datetime
    status: CallbackStatus
    service: str | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    note: str | None = None
    sms_id: str | None = None  # the outbox row announcing it, when one was queued
    # why no SMS was queued although the number takes SMS: the cap that refused it
    sms_refused: str | None = None


@dataclass(frozen=True)
class SmsRecord:
    id: str
    idempotency_key: str
    to_number: str
    body: str
    status: SmsStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    provider_sid: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
