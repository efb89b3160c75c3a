"""Engine incidents, from the call side to ``guichet status`` (real store, SQLite and
PostgreSQL): each incident the pipeline reports becomes a row without any text, and
the status counts the last day's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from guichet.bus import InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.incidents import STATUS_WINDOW, count_incidents, incident_lines, record_incident
from guichet.settings import Settings
from guichet.shell.up import _incident_lines
from guichet.store import open_store
from guichet.store.models import EngineIncident, utcnow
from pbx.voicebot_call.events import ConversationRecorder
from voicebot import EngineIncidentFrame


async def test_the_incidents_a_call_reports_are_stored_and_counted(store_url: str) -> None:
    store = open_store(store_url)
    try:
        cases = CaseRepository(store)
        case = await cases.open_case(call_id=None, caller_number=None, language="fr")
        recorder = ConversationRecorder(
            call_id="chan-7", case_id=case.id, cases=cases, bus=InMemoryBus(), services=set()
        )
        recorder.incident(EngineIncidentFrame("tts", "failed", "fr"))
        recorder.incident(EngineIncidentFrame("tts", "timeout", "en"))
        recorder.incident(EngineIncidentFrame("tts", "degraded_voice", "fr"))
        recorder.writer.finish()
        await recorder.writer.run()  # returns once the queued writes are done

        with store.session() as session:
            rows = session.execute(
                sa.select(
                    EngineIncident.engine,
                    EngineIncident.kind,
                    EngineIncident.lang,
                    EngineIncident.call_id,
                ).order_by(EngineIncident.id)
            ).all()
        assert [tuple(r) for r in rows] == [
            ("tts", "failed", "fr", "chan-7"),
            ("tts", "timeout", "en", "chan-7"),
            ("tts", "degraded_voice", "fr", "chan-7"),
        ]
        # nothing a caller said can be in a row: there is no column for it
        columns = {c["name"] for c in sa.inspect(store.engine).get_columns("engine_incidents")}
        assert columns == {"id", "at", "engine", "kind", "lang", "call_id"}

        counts = count_incidents(store, utcnow() - STATUS_WINDOW)
        assert incident_lines(counts) == [
            "tts failures (24h): 2",
            "tts degraded voice (24h): 1 call(s)",
        ]
    finally:
        store.close()


def test_the_status_counts_the_last_day_only(store_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=store_url)
    store = open_store(settings.store_url)
    try:
        now = utcnow()
        record_incident(store, engine="tts", kind="failed", lang="fr", at=now - timedelta(hours=25))
        record_incident(store, engine="tts", kind="failed", lang="fr", at=now - timedelta(hours=1))
        record_incident(store, engine="tts", kind="timeout", lang="en", at=now)
    finally:
        store.close()
    assert _incident_lines(settings) == ["tts failures (24h): 2"]


def test_the_status_says_when_it_cannot_count(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="postgresql+psycopg://nobody@/x?host=/nowhere")
    [line] = _incident_lines(settings)
    assert line.startswith("tts failures (24h): unknown (")
