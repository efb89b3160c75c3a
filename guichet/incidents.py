"""Engine incidents: what the voicebot's engines failed to do on a call, and the bot
made do without (a sentence said as a short apology, a stand-in voice).

The call side records one row per incident (:class:`IncidentLog`, from the pipeline's
``EngineIncidentFrame``); ``guichet status`` counts the last day's
(:func:`count_incidents`, :func:`incident_lines`). A row holds no text, only the
engine, the kind, the language and the call's channel id; the privacy purge removes
rows with the audit log's retention.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from guichet.errors import StoreError
from guichet.store import Store
from guichet.store.models import EngineIncident, utcnow

__all__ = ["STATUS_WINDOW", "IncidentCounts", "IncidentLog", "count_incidents", "incident_lines"]

STATUS_WINDOW = timedelta(hours=24)
# the kinds that mean a sentence was lost (the caller heard the apology instead)
SENTENCE_LOST = ("failed", "timeout")


def record_incident(
    store: Store,
    *,
    engine: str,
    kind: str,
    lang: str | None = None,
    call_id: str | None = None,
    at: datetime | None = None,
) -> None:
    """One incident row (blocking: run it in a thread on a call's path)."""
    try:
        with store.session() as session:
            session.add(
                EngineIncident(
                    at=at or utcnow(), engine=engine, kind=kind, lang=lang, call_id=call_id
                )
            )
    except SQLAlchemyError as exc:
        raise StoreError(f"engine incident not recorded: {exc}") from exc


class IncidentLog:
    """The call side's writer of incident rows (the store's work in a thread)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def record(
        self, *, engine: str, kind: str, lang: str | None, call_id: str | None
    ) -> None:
        await asyncio.to_thread(
            record_incident, self._store, engine=engine, kind=kind, lang=lang, call_id=call_id
        )


@dataclass(frozen=True)
class IncidentCounts:
    """Incidents since ``since``, per (engine, kind)."""

    since: datetime
    by_kind: dict[tuple[str, str], int]

    def count(self, engine: str, *kinds: str) -> int:
        return sum(n for (e, k), n in self.by_kind.items() if e == engine and k in kinds)


def count_incidents(store: Store, since: datetime) -> IncidentCounts:
    try:
        with store.session() as session:
            rows = session.execute(
                select(EngineIncident.engine, EngineIncident.kind, func.count())
                .where(EngineIncident.at >= since)
                .group_by(EngineIncident.engine, EngineIncident.kind)
            ).all()
    except SQLAlchemyError as exc:
        raise StoreError(f"engine incidents not counted: {exc}") from exc
    return IncidentCounts(since, {(engine, kind): int(n) for engine, kind, n in rows})


def incident_lines(counts: IncidentCounts) -> list[str]:
    """``guichet status``'s lines: the lost sentences always, the rest when any."""
    lines = [f"tts failures (24h): {counts.count('tts', *SENTENCE_LOST)}"]
    degraded = counts.count("tts", "degraded_voice")
    if degraded:
        lines.append(f"tts degraded voice (24h): {degraded} call(s)")
    others = sorted(
        (engine, kind, n) for (engine, kind), n in counts.by_kind.items() if engine != "tts" and n
    )
    lines += [f"{engine} {kind} (24h): {n}" for engine, kind, n in others]
    return lines
