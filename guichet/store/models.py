"""Tables. Later issues add cases, transcripts, callbacks, SMS outbox, users, audit;
each change comes with an Alembic migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


# Lengths Asterisk itself puts on what it hands over (include/asterisk/channel.h)
AST_MAX_EXTENSION = 80
MAX_LANGUAGE = 40


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that stores UTC and hands back aware UTC datetimes
    on every backend. Left to themselves the backends differ: SQLite silently drops
    the offset (20:00 Paris comes back as 20:00, naive) and PostgreSQL reads a naive
    value in the server's zone and answers in that zone. A naive value is taken as
    UTC, what SQLite always did."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return self.process_bind_param(value, dialect)


def _without_nul(value: str | None) -> str | None:
    return None if value is None else value.replace("\x00", "")


class ProseText(TypeDecorator[str]):
    """Text people or models wrote (a chat message, a summary, a note). PostgreSQL
    refuses a NUL character in any text, SQLite keeps it: dropped here, so a stray
    byte costs the citizen nothing on either backend."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return _without_nul(value)


class ProseString(TypeDecorator[str]):
    """``String(n)`` for short prose (a title): NUL dropped, as in :class:`ProseText`."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return _without_nul(value)


class OutsideText(TypeDecorator[str]):
    """Text Guichet did not write and cannot bound: what Asterisk, its AMI, an agent or
    a provider hands over (a queue's or member's name, a channel id in an event, a
    message id). Any length; what no backend takes in text is dropped or replaced
    (NUL, which PostgreSQL refuses; lone surrogates, which are not UTF-8), so a stray
    byte costs a row nothing on either backend."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return _storable(value)


def _storable(value: str | None) -> str | None:
    cleaned = _without_nul(value)
    return None if cleaned is None else cleaned.encode("utf-8", "replace").decode("utf-8")


def _prose_set(_target: object, value: str | None, _old: object, _initiator: object) -> str | None:
    return _without_nul(value)


def _outside_set(
    _target: object, value: str | None, _old: object, _initiator: object
) -> str | None:
    return _storable(value)


class Base(DeclarativeBase):
    pass


@event.listens_for(Base, "mapper_configured", propagate=True)
def _clean_prose_attributes(mapper: Mapper[Any], class_: type[Base]) -> None:
    # the types clean what is written; this cleans the object too, so a record built
    # from it after the flush says what the store holds
    for prop in mapper.column_attrs:
        column_type = prop.columns[0].type
        if isinstance(column_type, ProseText | ProseString):
            event.listen(getattr(class_, prop.key), "set", _prose_set, retval=True)
        elif isinstance(column_type, OutsideText):
            event.listen(getattr(class_, prop.key), "set", _outside_set, retval=True)


class Call(Base):
    """One call into Guichet, keyed by the Asterisk channel id of the caller's leg.

    ``state`` is the call state machine's state (``pbx.calls.state``); it is saved on
    every transition so a restarted controller resumes where it stopped.
    """

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_state", "state"),
        Index("ix_calls_started_at", "started_at"),  # the KPIs' periods (migration 0015)
    )

    # Asterisk's channel id, kept exactly as given (ARI is addressed by it): no bound,
    # as Asterisk and an originate's caller put none that Guichet could rely on
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    # the caller ID as the network sent it: PJSIP puts no bound on it (migration 0005)
    caller: Mapped[str | None] = mapped_column(Text)
    called: Mapped[str | None] = mapped_column(String(AST_MAX_EXTENSION))
    language: Mapped[str | None] = mapped_column(String(MAX_LANGUAGE))
    state: Mapped[str] = mapped_column(String(32))
    state_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(64))  # Guichet's own names

    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", order_by="CallEvent.id", cascade="all, delete-orphan"
    )


class CallEvent(Base):
    """What happened on a call, in order: the audit trail and the KPIs' raw data."""

    __tablename__ = "call_events"
    __table_args__ = (Index("ix_call_events_call_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(64))  # Guichet's own names
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    call: Mapped[Call] = relationship(back_populates="events")


# --- cases, callbacks, SMS (guichet.casefile) ---


class Case(Base):
    """One conversation with a citizen on any channel: what they asked, what they were
    told, and how it ended. A web chat has no call, so ``call_id`` is optional."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_call_id", "call_id"),
        Index("ix_cases_outcome", "outcome"),
        # a citizen's export and erasure find their cases by number (migration 0006)
        Index("ix_cases_caller_number", "caller_number"),
        Index("ix_cases_wrapup_action", "wrapup_action"),  # the desk KPIs (migration 0011)
        Index("ix_cases_created_at", "created_at"),  # the KPIs' periods (migration 0015)
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # SET NULL: purging old calls must not take the case file (and its callback) with it
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    caller_number: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(MAX_LANGUAGE))  # the channel's, at first
    topic_card_id: Mapped[str | None] = mapped_column(String(128))
    topic_title: Mapped[str | None] = mapped_column(ProseString(300))
    # a slug the city writes (cards, call flow): checked for its form, not its length
    service: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32), default="open")
    summary: Mapped[str | None] = mapped_column(ProseText)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # --- the desk's wrap-up (agent_softphone.cases, migration 0011): the KPIs' data ---
    handled_by: Mapped[str | None] = mapped_column(String(64))  # the first to answer
    desk_answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    desk_ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # that leg's end
    wrapup_action: Mapped[str | None] = mapped_column(String(16))  # first_level, escalated…
    wrapup_code: Mapped[str | None] = mapped_column(String(64))
    first_level: Mapped[bool | None] = mapped_column(Boolean)
    card_used: Mapped[str | None] = mapped_column(String(128))
    escalated_to: Mapped[str | None] = mapped_column(Text)  # a service slug
    transferred_to: Mapped[str | None] = mapped_column(OutsideText)  # a queue, a colleague
    wrapped_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    wrapped_up_by: Mapped[str | None] = mapped_column(String(64))
    handle_s: Mapped[float | None] = mapped_column(Float)  # answered -> leg ended
    wrapup_s: Mapped[float | None] = mapped_column(Float)  # leg ended -> wrapped up

    turns: Mapped[list[CaseTurn]] = relationship(
        back_populates="case", order_by="CaseTurn.seq", cascade="all, delete-orphan"
    )
    proposals: Mapped[list[CaseProposal]] = relationship(
        back_populates="case", order_by="CaseProposal.id", cascade="all, delete-orphan"
    )


class CaseTurn(Base):
    """One utterance, in order. ``card_id``/``confidence`` say what a bot turn answered from."""

    __tablename__ = "case_turns"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_case_turns_case_seq"),
        # the KPIs: bot answers and abstentions of a period (migration 0015)
        Index("ix_case_turns_speaker_at", "speaker", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(ProseText)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    card_id: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float)

    case: Mapped[Case] = relationship(back_populates="turns")


class CaseProposal(Base):
    """A knowledge card the retriever proposed, with its calibrated confidence."""

    __tablename__ = "case_proposals"
    __table_args__ = (Index("ix_case_proposals_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    card_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(ProseString(300))
    confidence: Mapped[float] = mapped_column(Float)
    turn_seq: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="proposals")


class Callback(Base):
    """A promise to call a citizen back. ``reference`` is what the caller hears and reads."""

    __tablename__ = "callbacks"
    __table_args__ = (
        Index("ix_callbacks_status_due", "status", "due_by"),
        Index("ix_callbacks_case_id", "case_id"),
        Index("ix_callbacks_number", "number"),  # export and erasure (migration 0006)
        Index("ix_callbacks_due_by", "due_by"),  # the KPIs' periods (migration 0015)
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(20))
    service: Mapped[str | None] = mapped_column(Text)  # as on the case
    language: Mapped[str] = mapped_column(String(MAX_LANGUAGE))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    due_by: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str | None] = mapped_column(OutsideText)  # what the agent typed
    note: Mapped[str | None] = mapped_column(ProseText)


class SmsOutboxRow(Base):
    """An SMS to send, written in the same transaction as what it announces (outbox
    pattern). ``claimed_at`` is the sending lease: a row left in 'sending' by a crashed
    worker is taken again after the lease, and checked with the provider first."""

    __tablename__ = "sms_outbox"
    __table_args__ = (
        Index("ix_sms_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_sms_outbox_to_sent", "to_number", "sent_at"),
        Index("ix_sms_outbox_sent_at", "sent_at"),  # the KPIs' periods (migration 0015)
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(ProseText)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    provider_sid: Mapped[str | None] = mapped_column(OutsideText)  # the provider's id
    last_error: Mapped[str | None] = mapped_column(ProseString(300))  # the provider's words
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# --- queues (pbx.queues) ---


class QueueEvent(Base):
    """What happened in an app_queue queue (Asterisk's event names): the raw data of
    the queue KPIs. No phone numbers: callers are their channel id."""

    __tablename__ = "queue_events"
    __table_args__ = (
        Index("ix_queue_events_queue_at", "queue", "at"),
        # the KPIs: a period's events of a kind; a call's joins (migration 0015)
        Index("ix_queue_events_kind_at", "kind", "at"),
        Index("ix_queue_events_caller_kind", "caller_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # names and ids as the AMI sent them (an external Asterisk's queues, its channels)
    queue: Mapped[str] = mapped_column(OutsideText)
    kind: Mapped[str] = mapped_column(String(32))  # the event names Guichet records
    caller_id: Mapped[str | None] = mapped_column(OutsideText)
    member: Mapped[str | None] = mapped_column(OutsideText)
    wait_s: Mapped[float | None] = mapped_column(Float)
    talk_s: Mapped[float | None] = mapped_column(Float)
    ring_s: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(OutsideText)  # a pause reason an agent typed


# --- audit (guichet.privacy) ---


class AuditEntry(Base):
    """Who did what to personal data, and when: a read of a case, an export, an
    erasure, a purge. It holds no personal data itself, so that it outlives what it
    records: a case is its id, a phone number only its masked form."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_object", "object"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # "web:<login>", "cli:<user>", "system": the audit refuses a longer one (never cuts)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # "case.read", "privacy.erase"…
    object: Mapped[str] = mapped_column(String(128))  # "case:<id>", "number:+336…78"


# --- engine incidents (voicebot, recorded by the call side) ---


class EngineIncident(Base):
    """An engine let a call down and the bot made do: a sentence it could not
    synthesize, a stand-in voice. For the operators' count (``guichet status``); no
    text (what failed may quote the caller), and purged with the audit rows."""

    __tablename__ = "engine_incidents"
    __table_args__ = (Index("ix_engine_incidents_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    engine: Mapped[str] = mapped_column(String(16))  # "tts"
    kind: Mapped[str] = mapped_column(String(32))  # "failed", "timeout", "degraded_voice"
    lang: Mapped[str | None] = mapped_column(String(MAX_LANGUAGE))
    # the call's channel id (no foreign key: the count outlives the call's row)
    call_id: Mapped[str | None] = mapped_column(OutsideText)


# --- accounts (guichet.accounts: the desk's people, their web sessions) ---


class StaffAccount(Base):
    """A person who logs in to the web app: agent, expert, supervisor or admin. The
    username is its own PJSIP endpoint as well; ``sip_secret`` is that endpoint's
    generated password (the browser gets it after login, nobody types it)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    password_hash: Mapped[str] = mapped_column(String(255))
    sip_secret: Mapped[str] = mapped_column(String(64))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # lock-out: failures counted from the first one of the current window
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebSession(Base):
    """A logged-in browser. Only a hash of its cookie's token is kept, so that a copy
    of the store logs nobody in; the CSRF token is the page's to send back."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_account", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256, hex
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- who handled which call (guichet.casefile.handling, migration 0011) ---


class CaseAgent(Base):
    """One desk account rung for one queued call: when app_queue rang it, when it
    answered, when its leg ended. The per-object rules read it (an agent sees the
    calls they were rung for or handled) and the KPIs count from it."""

    __tablename__ = "case_agents"
    __table_args__ = (
        # one row per account and call: a second ring of the same phone keeps the first
        UniqueConstraint("call_id", "username", name="uq_case_agents_call_username"),
        Index("ix_case_agents_username", "username"),
        Index("ix_case_agents_case_id", "case_id"),
        Index("ix_case_agents_call_id", "call_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # the caller's channel id; no foreign key: a call straight from a queue has no
    # row in ``calls`` (the controller never saw it)
    call_id: Mapped[str] = mapped_column(OutsideText)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(OutsideText)  # the member's endpoint name
    queue: Mapped[str] = mapped_column(OutsideText)
    role: Mapped[str] = mapped_column(String(16))  # agent | expert
    rung_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# --- desk agent states (agent_softphone.desk, migration 0010) ---


class DeskStatePeriod(Base):
    """One stretch of one desk account in one state (available, paused with its
    reason, wrap-up, logged out): from ``started_at`` until ``ended_at`` (None while
    it lasts). The KPIs add the stretches up; the wrap-up's planned end is ``until``."""

    __tablename__ = "agent_states"
    __table_args__ = (
        Index("ix_agent_states_username_started", "username", "started_at"),
        Index("ix_agent_states_open", "username", "ended_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # available | paused | wrapup | logged_out
    reason: Mapped[str] = mapped_column(ProseString(120), default="")
    queues: Mapped[str] = mapped_column(Text, default="")  # comma-separated, as applied
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    until: Mapped[datetime | None] = mapped_column(UtcDateTime)


# --- live assist: cards pinned or used by the desk (agent_softphone.assist, migration 0012) ---


class CardUse(Base):
    """A knowledge card a desk account pinned (``kind`` "pinned") or marked as the one
    they answered with ("used") on a call; for the KPIs and the knowledge editors."""

    __tablename__ = "card_uses"
    __table_args__ = (
        Index("ix_card_uses_case", "case_id"),
        Index("ix_card_uses_card", "card_id", "kind"),
        Index("ix_card_uses_at", "at"),  # the KPIs' periods (migration 0015)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    call_id: Mapped[str] = mapped_column(OutsideText)
    card_id: Mapped[str] = mapped_column(String(128))
    username: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))  # pinned | used
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- callback attempts: the experts' click-to-call (guichet.casefile.attempts, migration 0013) ---


class CallbackAttempt(Base):
    """One call an expert made (or tried) for a callback, and its outcome:
    reached_solved | reached_follow_up | no_answer | wrong_number (None while the
    call is on). ``next_due_by``: after a no-answer, when the next attempt is due."""

    __tablename__ = "callback_attempts"
    __table_args__ = (
        UniqueConstraint("callback_id", "seq", name="uq_callback_attempts_seq"),
        Index("ix_callback_attempts_callback", "callback_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    callback_id: Mapped[str] = mapped_column(ForeignKey("callbacks.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    channel_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(24))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_due_by: Mapped[datetime | None] = mapped_column(UtcDateTime)
