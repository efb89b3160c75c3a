"""Every source's rows for a span, each row tagged with its day key, and the cache
of settled days that lets a year's page read only its last weeks from the store.

A day is *settled* once it is ``settle_days`` old: by then its calls are over,
wrapped up and their callbacks due. Its rows are kept in memory (per zone and
reception queue, the two settings they depend on) and read again from the store
after ``ttl``: what changes later still (a callback done very late) shows within
that time. Days not yet settled are always read from the store."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from guichet.kpis import queries as q
from guichet.kpis.period import Grain, Period

__all__ = ["Collected", "KpiCache", "collect"]


@dataclass
class Collected:
    """Rows of every source; each has a ``day`` key (guichet.kpis.sql.day_key)."""

    queue: list[q.QueueRow] = field(default_factory=list)
    bot: list[q.VoicebotRow] = field(default_factory=list)
    cases: list[q.CaseRow] = field(default_factory=list)
    callbacks: list[q.CallbackRow] = field(default_factory=list)
    sms: list[q.SmsRow] = field(default_factory=list)
    desk_uses: list[q.CardCount] = field(default_factory=list)
    pinned: list[q.CardCount] = field(default_factory=list)
    answers: list[q.CardCount] = field(default_factory=list)
    abstained: list[q.AbstainedRow] = field(default_factory=list)

    def extend(self, other: Collected) -> None:
        for f in fields(self):
            getattr(self, f.name).extend(getattr(other, f.name))

    def by_day(self, period: Period) -> dict[date, Collected]:
        out: dict[date, Collected] = defaultdict(Collected)
        for f in fields(self):
            for row in getattr(self, f.name):
                getattr(out[period.day_of(row.day)], f.name).append(row)
        return out


def collect(
    session: Session,
    lo: datetime,
    hi: datetime,
    *,
    keys: q.Keys,
    reception: str,
    now: datetime,
) -> Collected:
    """Every source's rows from ``lo`` to ``hi``; the callbacks only up to ``now``
    (one not yet due is neither on time nor late)."""
    due_hi = min(hi, now)
    return Collected(
        queue=q.queue_rows(session, lo, hi, keys),
        bot=q.voicebot_rows(session, lo, hi, keys, reception),
        cases=q.case_rows(session, lo, hi, keys),
        callbacks=q.callback_rows(session, lo, due_hi, keys) if due_hi > lo else [],
        sms=q.sms_rows(session, lo, hi, keys),
        desk_uses=q.desk_card_uses(session, lo, hi, keys),
        pinned=q.pinned_cards(session, lo, hi, keys),
        answers=q.bot_answers(session, lo, hi, keys),
        abstained=q.abstained_questions(session, lo, hi, keys),
    )


def _midnight(day: date, period: Period) -> datetime:
    return datetime.combine(day, time(), period.tz).astimezone(UTC)


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


class KpiCache:
    """The settled days' rows, in memory; shared by the page's requests (its
    methods hold a lock: requests run in worker threads)."""

    def __init__(self, settle_days: int = 35, ttl: timedelta = timedelta(hours=6)) -> None:
        self.settle_days = settle_days
        self.ttl = ttl
        self._lock = threading.Lock()
        self._days: dict[tuple[Any, ...], tuple[datetime, Collected]] = {}

    def rows(
        self,
        session: Session,
        period: Period,
        *,
        keys: q.Keys,
        reception: str,
        now: datetime,
    ) -> Collected:
        today = now.astimezone(period.tz).date()
        first_live = today - timedelta(days=self.settle_days)
        settled = [
            period.start + timedelta(days=i)
            for i in range(period.days)
            if period.start + timedelta(days=i) < first_live
        ]
        out = Collected()
        with self._lock:
            scope = (period.zone, reception, keys.dialect)
            stale = [
                d
                for d in settled
                if (found := self._days.get((*scope, d))) is None or now - found[0] > self.ttl
            ]
            for first, last in _runs(stale):
                lo, hi = _midnight(first, period), _midnight(last + timedelta(days=1), period)
                fetched = collect(session, lo, hi, keys=keys, reception=reception, now=now).by_day(
                    Period(first, last, Grain.DAY, period.zone)
                )
                for i in range((last - first).days + 1):
                    day = first + timedelta(days=i)
                    self._days[(*scope, day)] = (now, fetched.get(day, Collected()))
            for day in settled:
                out.extend(self._days[(*scope, day)][1])
        if period.end >= first_live:
            live_from = max(period.start, first_live)
            out.extend(
                collect(
                    session,
                    _midnight(live_from, period),
                    period.hi,
                    keys=keys,
                    reception=reception,
                    now=now,
                )
            )
        return out
