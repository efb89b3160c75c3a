"""Closures added by an operator while the flow runs (a strike, a snow day): a
period with a reason, stored, read by the routing on every call (no file edited,
no restart). The flow file keeps the closures known in advance (whole days); these
are the day's surprises, to the minute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from guichet.store import Store
from guichet.store.models import UtcDateTime
from ivr_flows.errors import ModeError

__all__ = [
    "MAX_REASON",
    "TimedClosure",
    "add_closure",
    "current_closures",
    "remove_closure",
    "routing_closures",
]

MAX_REASON = 200

# Core, like routing_mode: the routing layer owns this table (migration 0014)
_metadata = sa.MetaData()
routing_closures = sa.Table(
    "routing_closures",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reason", sa.String(MAX_REASON), nullable=False),
    sa.Column("starts_at", UtcDateTime(), nullable=False),
    sa.Column("ends_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # removed rows stay: what was closed when is part of the day's record
    sa.Column("removed_at", UtcDateTime(), nullable=True),
    sa.Column("removed_by", sa.String(64), nullable=True),
)


@dataclass(frozen=True)
class TimedClosure:
    """Closed from ``starts_at`` (included) to ``ends_at`` (excluded); aware times."""

    id: int
    reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    created_by: str = ""
    created_at: dt.datetime | None = None

    def covers(self, now: dt.datetime) -> bool:
        return self.starts_at <= now < self.ends_at


def _closure(row: sa.Row[tuple[object, ...]]) -> TimedClosure:
    m = row._mapping
    return TimedClosure(
        id=int(m["id"]),
        reason=str(m["reason"]),
        starts_at=m["starts_at"],
        ends_at=m["ends_at"],
        created_by=str(m["created_by"]),
        created_at=m["created_at"],
    )


def add_closure(
    store: Store, reason: str, starts_at: dt.datetime, ends_at: dt.datetime, *, by: str
) -> TimedClosure:
    text = " ".join(reason.split())
    if not text:
        raise ModeError("a closure needs a reason")
    if len(text) > MAX_REASON:
        raise ModeError(f"a closure's reason has at most {MAX_REASON} characters")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ModeError("a closure's times must be timezone-aware")
    if ends_at <= starts_at:
        raise ModeError("a closure must end after it starts")
    now = dt.datetime.now(dt.UTC)
    try:
        with store.session() as session:
            new_id = session.execute(
                sa.insert(routing_closures)
                .values(
                    reason=text,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    created_by=by[:64],
                    created_at=now,
                )
                .returning(routing_closures.c.id)
            ).scalar_one()
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot store the closure: {exc}") from exc
    return TimedClosure(int(new_id), text, starts_at, ends_at, by[:64], now)


def remove_closure(store: Store, closure_id: int, *, by: str) -> bool:
    """False when there is no such closure in force (unknown, or removed already)."""
    try:
        with store.session() as session:
            result = session.execute(
                sa.update(routing_closures)
                .where(
                    routing_closures.c.id == closure_id,
                    routing_closures.c.removed_at.is_(None),
                )
                .values(removed_at=dt.datetime.now(dt.UTC), removed_by=by[:64])
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot remove the closure: {exc}") from exc


def current_closures(store: Store, now: dt.datetime) -> tuple[TimedClosure, ...]:
    """The closures in force or to come (not removed, not over at ``now``), by start."""
    try:
        with store.session() as session:
            rows = session.execute(
                sa.select(routing_closures)
                .where(routing_closures.c.removed_at.is_(None), routing_closures.c.ends_at > now)
                .order_by(routing_closures.c.starts_at, routing_closures.c.id)
            ).all()
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot read the closures: {exc}") from exc
    return tuple(_closure(r) for r in rows)
