"""Which write of the routing mode the store holds now, and who made it: what the
opening control compares, once per period, to see a mode set outside its process
(``guichet mode``, another instance of the web app).

The stored row's ``updated_at`` changes on every write, even of the same mode, so
each change is seen once; the audit row the writer adds next to it names who."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from guichet.store import Store
from guichet.store.models import AuditEntry
from ivr_flows.decision import Mode
from ivr_flows.errors import ModeError
from ivr_flows.mode import routing_mode

__all__ = ["MODE_ACTION", "ModeStamp", "mode_object", "read_stamp", "written_by"]

MODE_ACTION = "routing.mode"  # the audit's action for a mode change


def mode_object(mode: Mode) -> str:
    return f"mode:{mode.value}"


@dataclass(frozen=True)
class ModeStamp:
    """One write of the mode: the same write reads back equal, any later one not."""

    mode: Mode
    updated_at: dt.datetime


def read_stamp(store: Store) -> ModeStamp | None:
    """The stored mode and when it was written; None before any write. One small
    read (the primary key's row)."""
    query = sa.select(routing_mode.c.mode, routing_mode.c.updated_at).where(routing_mode.c.id == 1)
    try:
        with store.session() as session:
            row = session.execute(query).one_or_none()
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot read the routing mode: {exc}") from exc
    if row is None:
        return None
    try:
        mode = Mode(row.mode)
    except ValueError as exc:
        raise ModeError(f"the stored routing mode {row.mode!r} is unknown") from exc
    return ModeStamp(mode, row.updated_at)


def written_by(store: Store, stamp: ModeStamp) -> str | None:
    """The actor of the audit row for ``stamp`` (``cli:<user>``, ``web:<login>``):
    the first one for that mode written since; None while there is none (the writer
    audits just after it writes, or an older one never did)."""
    query = (
        sa.select(AuditEntry.actor)
        .where(
            AuditEntry.action == MODE_ACTION,
            AuditEntry.object == mode_object(stamp.mode),
            AuditEntry.at >= stamp.updated_at,
        )
        .order_by(AuditEntry.at, AuditEntry.id)
        .limit(1)
    )
    try:
        with store.session() as session:
            return session.execute(query).scalar_one_or_none()
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot read who set the routing mode: {exc}") from exc
