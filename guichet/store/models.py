"""Tables. Later issues add cases, transcripts, callbacks, SMS outbox, users, audit;
each change comes with an Alembic migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Call(Base):
    """One call into Guichet, keyed by the Asterisk channel id of the caller's leg.

    ``state`` is the call state machine's state (``pbx.call_state``); it is saved on
    every transition so a restarted controller resumes where it stopped.
    """

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_state", "state"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    caller: Mapped[str | None] = mapped_column(String(64))
    called: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(32))
    state_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(64))

    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", order_by="CallEvent.id", cascade="all, delete-orphan"
    )


class CallEvent(Base):
    """What happened on a call, in order: the audit trail and the KPIs' raw data."""

    __tablename__ = "call_events"
    __table_args__ = (Index("ix_call_events_call_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    call: Mapped[Call] = relationship(back_populates="events")
