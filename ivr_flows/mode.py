"""The operators' day/night/auto mode, durable in the store. The store is the truth:
``pbx.astdb`` mirrors it into Asterisk for the controller-down dialplan."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from guichet.store import Store
from guichet.store.models import UtcDateTime
from ivr_flows.decision import Mode
from ivr_flows.errors import ModeError

# Core, not an ORM model on the shared Base: the routing layer owns this one table
# (created by migration 0004) and nothing else maps it.
_metadata = sa.MetaData()
routing_mode = sa.Table(
    "routing_mode",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),  # UTC on every backend
)


def read_mode(store: Store) -> Mode:
    """The stored mode; ``auto`` until an operator sets one."""
    try:
        with store.session() as session:
            value = session.execute(
                sa.select(routing_mode.c.mode).where(routing_mode.c.id == 1)
            ).scalar_one_or_none()
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot read the routing mode: {exc}") from exc
    return Mode(value) if value else Mode.AUTO


def write_mode(store: Store, mode: Mode) -> None:
    now = dt.datetime.now(dt.UTC)
    update = (
        sa.update(routing_mode)
        .where(routing_mode.c.id == 1)
        .values(mode=mode.value, updated_at=now)
    )
    try:
        try:
            with store.session() as session:
                if session.execute(update).rowcount == 0:  # type: ignore[attr-defined]
                    session.execute(
                        sa.insert(routing_mode).values(id=1, mode=mode.value, updated_at=now)
                    )
        except IntegrityError:
            # two first writes at once: the other inserted the row; ours is an update
            with store.session() as session:
                session.execute(update)
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot store the routing mode: {exc}") from exc
