"""Queue KPI rows in the store. Writes run in a worker thread: a durable SQLite
commit waits for the disk, and the AMI receiver must not."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from guichet.store import Store
from guichet.store.models import QueueEvent
from pbx.queues.state import QueueKpi


@dataclass(frozen=True)
class QueueEventRecord:
    id: int
    at: datetime
    queue: str
    kind: str
    caller_id: str | None
    member: str | None
    wait_s: float | None
    talk_s: float | None
    ring_s: float | None
    reason: str | None


def _record(row: QueueEvent) -> QueueEventRecord:
    return QueueEventRecord(
        row.id,
        row.at,
        row.queue,
        row.kind,
        row.caller_id,
        row.member,
        row.wait_s,
        row.talk_s,
        row.ring_s,
        row.reason,
    )


class QueueEventRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _add(self, kpi: QueueKpi) -> int:
        with self._store.session() as session:
            row = QueueEvent(
                at=datetime.fromtimestamp(kpi.at, UTC),
                queue=kpi.queue,
                kind=kpi.kind,
                caller_id=kpi.caller_id,
                member=kpi.member,
                wait_s=kpi.wait_s,
                talk_s=kpi.talk_s,
                ring_s=kpi.ring_s,
                reason=kpi.reason,
            )
            session.add(row)
            session.flush()
            return row.id

    def _list(self, queue: str | None, kind: str | None, limit: int) -> list[QueueEventRecord]:
        with self._store.session() as session:
            query = select(QueueEvent).order_by(QueueEvent.id.desc()).limit(limit)
            if queue is not None:
                query = query.where(QueueEvent.queue == queue)
            if kind is not None:
                query = query.where(QueueEvent.kind == kind)
            return [_record(row) for row in reversed(session.scalars(query).all())]

    async def add(self, kpi: QueueKpi) -> int:
        return await asyncio.to_thread(self._add, kpi)

    async def recent(
        self, queue: str | None = None, kind: str | None = None, limit: int = 100
    ) -> list[QueueEventRecord]:
        """The latest rows, oldest first."""
        return await asyncio.to_thread(self._list, queue, kind, limit)
