"""The store on both backends: SQLite (the embedded default) and PostgreSQL
(production). ``store_url`` runs each test once per backend."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from guichet.store import open_store
from guichet.store.models import Call, QueueEvent
from pbx.calls.state import Answered, CallFacts, CallState, InvalidTransition, Voicebot
from pbx.calls.store import CallRepository


def test_sqlite_is_durable_wal(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    with store.session() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


async def test_call_lifecycle_survives_reopen(store_url: str) -> None:
    store = open_store(store_url)
    calls = CallRepository(store)
    await calls.create("c1", "+33612345678", "3000", "fr")
    await calls.transition("c1", Answered())
    await calls.transition("c1", Voicebot(link_id="l1"), CallFacts(case_id="k1"))
    store.close()

    reopened_store = open_store(store_url)  # as a restarted controller does
    reopened = CallRepository(reopened_store)
    record = await reopened.get("c1")
    assert record is not None
    assert record.state is CallState.VOICEBOT
    assert record.step == Voicebot(link_id="l1") and record.facts.case_id == "k1"
    assert [c.id for c in await reopened.open_calls()] == ["c1"]
    with pytest.raises(InvalidTransition):
        await reopened.transition("c1", Answered())
    await reopened.end("c1", record.facts, reason="completed")
    assert await reopened.open_calls() == []
    kinds = [k for k, _ in await reopened.events("c1")]
    assert kinds == ["call.started", "state.answered", "state.voicebot", "state.ended"]
    reopened_store.close()


async def test_what_asterisk_hands_over_fits(store_url: str) -> None:
    """Caller ID, dialled extension and channel language come from the network and
    Asterisk, not from us: PostgreSQL refuses a value longer than its column (SQLite
    keeps it), and a call that cannot be saved is a call Guichet does not answer."""
    store = open_store(store_url)
    calls = CallRepository(store)
    caller = "sip-trunk-gateway-" + "7" * 300  # PJSIP puts no bound on a From user
    called = "3" * 80  # Asterisk's AST_MAX_EXTENSION
    language = "x" * 40  # Asterisk's MAX_LANGUAGE
    await calls.create("c-long", caller, called, language)
    record = await calls.get("c-long")
    assert record is not None
    assert (record.caller, record.called, record.language) == (caller, called, language)
    store.close()


def test_datetimes_are_utc_on_both_backends(store_url: str) -> None:
    """SQLite keeps no UTC offset (it drops it silently) and PostgreSQL reads a naive
    value in the server's zone (the test cluster's is Europe/Paris, as a city hall's
    would be): the store stores UTC and hands back aware UTC datetimes, whatever the
    backend, whatever the offset it was given."""
    paris = ZoneInfo("Europe/Paris")
    moment = datetime(2026, 11, 24, 20, 0, 0, 123456, tzinfo=paris)
    utc = moment.astimezone(UTC)
    store = open_store(store_url)
    with store.session() as s:
        s.add(Call(id="aware", state="new", state_data={}, started_at=moment))
        s.add(Call(id="naive", state="new", state_data={}, started_at=utc.replace(tzinfo=None)))
        s.add(
            Call(
                id="offset",
                state="new",
                state_data={},
                started_at=moment.astimezone(timezone(timedelta(hours=-5))),
            )
        )
        s.add(QueueEvent(at=moment, queue="accueil", kind="QueueCallerJoin"))
    with store.session() as s:
        for call in s.scalars(select(Call)):
            assert call.started_at == utc, call.id
            assert call.started_at.utcoffset() == timedelta(0), call.id
            assert call.started_at.isoformat() == "2026-11-24T19:00:00.123456+00:00"
        # comparisons happen in UTC too, whatever zone the bound value is in
        earlier = s.scalars(select(Call.id).where(Call.started_at < moment)).all()
        later = s.scalars(
            select(Call.id).where(Call.started_at < moment + timedelta(microseconds=1))
        ).all()
        assert (earlier, sorted(later)) == ([], ["aware", "naive", "offset"])
        event = s.scalars(select(QueueEvent)).one()
        assert event.at == utc and event.at.utcoffset() == timedelta(0)
    store.close()
