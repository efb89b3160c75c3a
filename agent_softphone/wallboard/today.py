"""What a wallboard reads from the store when it opens: today's queue counts (the
``queue_events`` rows since the city hall's midnight) and the desk accounts with
their state now (``agent_states``). Synchronous: run in a worker thread."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from agent_softphone.wallboard.fold import (
    ABANDONED,
    ANSWERED,
    DeskView,
    QueueToday,
    count_queue_event,
)
from guichet.accounts import AccountRepository
from guichet.store import Store
from guichet.store.models import DeskStatePeriod, QueueEvent

__all__ = ["day_start", "desk_views", "today_counts"]

DESK_ROLES = ("agent", "expert")  # the people the queues ring


def day_start(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Midnight of ``now``'s local day in ``zone``, as an aware time."""
    local = now.astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=zone)


def today_counts(store: Store, since: dt.datetime, sl_s: float) -> dict[str, QueueToday]:
    counts: dict[str, QueueToday] = {}
    with store.session() as session:
        rows = session.execute(
            select(QueueEvent.queue, QueueEvent.kind, QueueEvent.caller_id, QueueEvent.wait_s)
            .where(QueueEvent.at >= since, QueueEvent.kind.in_((ANSWERED, ABANDONED)))
            .order_by(QueueEvent.id)
        )
        for queue, kind, caller_id, wait_s in rows:
            today = counts.setdefault(queue, QueueToday())
            count_queue_event(today, kind, caller_id, wait_s, sl_s)
    return counts


def desk_views(store: Store) -> list[DeskView]:
    """Every active desk account (agents and experts), in its
    state now; ``logged_out`` for one that never set one."""
    accounts = [a for a in AccountRepository(store).active() if a.role in DESK_ROLES]
    with store.session() as session:
        open_rows = session.scalars(
            select(DeskStatePeriod)
            .where(DeskStatePeriod.ended_at.is_(None))
            .order_by(DeskStatePeriod.started_at, DeskStatePeriod.id)
        )
        current = {r.username: r for r in open_rows}  # the latest one wins
    views = []
    for account in accounts:
        row = current.get(account.username)
        views.append(
            DeskView(
                account.username,
                state=row.state if row else "logged_out",
                reason=row.reason if row else "",
                since=row.started_at if row else None,
                display_name=account.display_name,
            )
        )
    return views
