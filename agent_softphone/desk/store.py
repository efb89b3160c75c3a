"""The desk accounts' state stretches in the store (``agent_states``), for the page
(the current state after a reload or a restart) and the KPIs (time in each state)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from guichet.store import Store
from guichet.store.models import DeskStatePeriod, utcnow

__all__ = ["DeskStateRepository", "StateView"]


@dataclass(frozen=True)
class StateView:
    """A desk account's state now (``logged_out`` when it never set one)."""

    username: str
    state: str = "logged_out"
    reason: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    queues: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "state": self.state,
            "reason": self.reason,
            "since": _utc_iso(self.since),
            "until": _utc_iso(self.until),
            "queues": list(self.queues),
        }


def _utc_iso(moment: dt.datetime | None) -> str | None:
    # the store keeps UTC; SQLite hands it back without its zone, and a page that
    # compares two of them (which state is newer) must read both the same way
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).isoformat()


def _view(row: DeskStatePeriod) -> StateView:
    return StateView(
        username=row.username,
        state=row.state,
        reason=row.reason,
        since=row.started_at,
        until=row.until,
        queues=tuple(q for q in row.queues.split(",") if q),
    )


class DeskStateRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(
        self,
        username: str,
        state: str,
        reason: str,
        queues: Sequence[str],
        until: dt.datetime | None = None,
        at: dt.datetime | None = None,
    ) -> StateView:
        """End the stretch in progress and start one in ``state``, in one transaction."""
        now = at or utcnow()
        with self._store.session() as session:
            session.execute(
                update(DeskStatePeriod)
                .where(DeskStatePeriod.username == username, DeskStatePeriod.ended_at.is_(None))
                .values(ended_at=now)
            )
            row = DeskStatePeriod(
                username=username,
                state=state,
                reason=reason,
                queues=",".join(queues),
                started_at=now,
                until=until,
            )
            session.add(row)
            session.flush()
            return _view(row)

    def current(self, username: str) -> StateView:
        with self._store.session() as session:
            row = session.scalars(
                select(DeskStatePeriod)
                .where(DeskStatePeriod.username == username, DeskStatePeriod.ended_at.is_(None))
                .order_by(DeskStatePeriod.started_at.desc(), DeskStatePeriod.id.desc())
                .limit(1)
            ).first()
            return _view(row) if row is not None else StateView(username)

    def logged_in(self) -> list[StateView]:
        """Every account whose stretch in progress is not ``logged_out`` (what a
        start-up checks: those the queues still have), by username."""
        with self._store.session() as session:
            rows = session.scalars(
                select(DeskStatePeriod)
                .where(DeskStatePeriod.ended_at.is_(None))
                .order_by(
                    DeskStatePeriod.username,
                    DeskStatePeriod.started_at.desc(),
                    DeskStatePeriod.id.desc(),
                )
            )
            latest: dict[str, StateView] = {}
            for row in rows:
                latest.setdefault(row.username, _view(row))  # the newest, as current() reads
            return [v for v in latest.values() if v.state != "logged_out"]

    def history(self, username: str) -> list[StateView]:
        """Every stretch of ``username``, oldest first (the KPIs, the tests)."""
        with self._store.session() as session:
            rows = session.scalars(
                select(DeskStatePeriod)
                .where(DeskStatePeriod.username == username)
                .order_by(DeskStatePeriod.started_at, DeskStatePeriod.id)
            )
            return [_view(r) for r in rows]

    def durations(self, username: str, now: dt.datetime | None = None) -> dict[str, float]:
        """Seconds spent in each state (the stretch in progress counted up to ``now``)."""
        end_default = now or utcnow()
        totals: dict[str, float] = {}
        with self._store.session() as session:
            rows = session.scalars(
                select(DeskStatePeriod).where(DeskStatePeriod.username == username)
            )
            for row in rows:
                end = row.ended_at or end_default
                totals[row.state] = totals.get(row.state, 0.0) + max(
                    0.0, (end - row.started_at).total_seconds()
                )
        return totals
