from pathlib import Path

import pytest
from sqlalchemy import text

from guichet.store import open_store
from pbx.call_state import CallState, InvalidTransition
from pbx.call_store import CallRepository


def test_sqlite_is_durable_wal(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    with store.session() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


async def test_call_lifecycle_survives_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = open_store(url)
    calls = CallRepository(store)
    await calls.create("c1", "+33612345678", "3000", "fr")
    await calls.transition("c1", CallState.ANSWERED)
    await calls.transition("c1", CallState.VOICEBOT, {"link_id": "l1", "case_id": "k1"})
    store.close()

    reopened = CallRepository(open_store(url))  # as a restarted controller does
    record = await reopened.get("c1")
    assert record is not None
    assert record.state is CallState.VOICEBOT
    assert record.state_data == {"link_id": "l1", "case_id": "k1"}
    assert [c.id for c in await reopened.open_calls()] == ["c1"]
    with pytest.raises(InvalidTransition):
        await reopened.transition("c1", CallState.ANSWERED)
    await reopened.transition("c1", CallState.ENDED, reason="completed")
    assert await reopened.open_calls() == []
    kinds = [k for k, _ in await reopened.events("c1")]
    assert kinds == ["call.started", "state.answered", "state.voicebot", "state.ended"]
