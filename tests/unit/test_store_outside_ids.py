"""Identifiers and labels that come from outside Guichet (Asterisk's channel ids, the
AMI's queue events, an agent's name, the SMS provider's id) are stored whatever their
length and content, on SQLite and on PostgreSQL (``store_url``), and migration 0007
widens an existing store without losing a row (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from guichet.casefile.repository import CaseRepository
from guichet.store import open_store
from guichet.store.db import alembic_config, make_engine
from guichet.store.models import (
    Base,
    Call,
    Callback,
    CallEvent,
    Case,
    QueueEvent,
    SmsOutboxRow,
)
from pbx.calls import Answered, CallFacts, CallRepository
from pbx.queues import QueueEventRepository, QueueKpi

# Asterisk puts no bound Guichet could rely on: an originate names its channel, and
# an external Asterisk's AMI says what its own configuration says
LONG_CHANNEL_ID = "trunk-gateway." + "1764440000.4242-" * 18  # 302 characters
# what the network may send: NUL (PostgreSQL refuses it in text), emoji, any length
WILD = "\x00☎️ 📞 appel\x00" + "0612345678-" * 909  # 10 013 characters


async def test_an_over_long_channel_id_is_a_call_like_any_other(store_url: str) -> None:
    """Before 0007, PostgreSQL refused the call's row (VARCHAR(64)): the caller got the
    last resort instead of Guichet."""
    assert len(LONG_CHANNEL_ID) > 300
    store = open_store(store_url)
    calls, cases = CallRepository(store), CaseRepository(store)
    await calls.create(LONG_CHANNEL_ID, "+33612345678", "3000", "fr")
    case = await cases.open_case(call_id=LONG_CHANNEL_ID, caller_number="+33612345678")
    facts = CallFacts(case_id=case.id)
    await calls.transition(LONG_CHANNEL_ID, Answered(), facts)
    await calls.add_event(LONG_CHANNEL_ID, "call.routed", {"target": "voicebot"})
    await calls.end(LONG_CHANNEL_ID, facts, "completed")
    store.close()

    store = open_store(store_url)  # read back by another process
    calls, cases = CallRepository(store), CaseRepository(store)
    record = await calls.get(LONG_CHANNEL_ID)
    assert record is not None and record.id == LONG_CHANNEL_ID
    assert record.end_reason == "completed" and record.facts == facts
    kinds = [k for k, _ in await calls.events(LONG_CHANNEL_ID)]
    assert kinds == ["call.started", "state.answered", "call.routed", "state.ended"]
    linked = await cases.case_for_call(LONG_CHANNEL_ID)
    assert linked is not None and linked.id == case.id
    store.close()


async def test_queue_events_keep_any_caller_id(store_url: str) -> None:
    store = open_store(store_url)
    events = QueueEventRepository(store)
    queue, member, reason = "file-" + "q" * 300, "PJSIP/" + "a" * 400, "pause: " + WILD
    await events.add(
        QueueKpi(queue, "AgentComplete", 1764440000.0, caller_id=WILD, member=member,
                 reason=reason)
    )  # fmt: skip
    store.close()

    store = open_store(store_url)
    [row] = await QueueEventRepository(store).recent(queue=queue)
    # stored as sent, less the NUL no backend can hold in text
    assert row.caller_id == WILD.replace("\x00", "")
    assert row.caller_id.startswith("☎️ 📞 appel") and len(row.caller_id) == len(WILD) - 2
    assert (row.queue, row.member) == (queue, member)
    assert row.reason == reason.replace("\x00", "")
    store.close()


def test_what_an_agent_or_the_provider_wrote_is_kept(store_url: str) -> None:
    at = datetime(2026, 11, 29, 19, tzinfo=UTC)
    store = open_store(store_url)
    with store.session() as s:
        s.add(Case(id="k1", channel="phone", language="fr", service="s" * 200))
        s.flush()
        s.add(
            Callback(id="b1", reference="CB-23456", case_id="k1", number="+33612345678",
                     service="s" * 200, language="fr", due_by=at, done_by=WILD)
        )  # fmt: skip
        s.add(SmsOutboxRow(id="m1", idempotency_key="k", to_number="+33612345678",
                           body="Rappel", provider_sid="SM" + "x" * 500))  # fmt: skip
    with store.session() as s:
        callback = s.get(Callback, "b1")
        assert callback is not None and callback.done_by == WILD.replace("\x00", "")
        assert callback.service == "s" * 200
        sms = s.get(SmsOutboxRow, "m1")
        assert sms is not None and sms.provider_sid == "SM" + "x" * 500
    store.close()


def test_widening_from_0006_keeps_the_rows_and_their_links(store_url: str) -> None:
    engine = make_engine(store_url)
    command.upgrade(alembic_config(engine), "0006")
    at = datetime(2026, 11, 28, 21, tzinfo=UTC)
    rows: list[tuple[type[Base], dict[str, object]]] = [
        (Call, {"id": "1764440000.7", "caller": "0612345678", "state": "ended",
                "state_data": {}, "started_at": at, "end_reason": "completed"}),
        (CallEvent, {"call_id": "1764440000.7", "at": at, "kind": "call.started",
                     "data": {}}),
        (Case, {"id": "k1", "call_id": "1764440000.7", "channel": "phone", "language": "fr",
                "service": "etat-civil", "outcome": "callback", "created_at": at,
                "updated_at": at}),
        (Callback, {"id": "b1", "reference": "CB-23456", "case_id": "k1",
                    "number": "+33612345678", "service": "etat-civil", "language": "fr",
                    "requested_at": at, "due_by": at, "status": "done", "done_by": "marie"}),
        (SmsOutboxRow, {"id": "m1", "idempotency_key": "k", "body": "Rappel",
                        "to_number": "+33612345678", "status": "sent", "attempts": 1,
                        "next_attempt_at": at, "provider_sid": "SM123"}),
        (QueueEvent, {"at": at, "queue": "accueil", "kind": "AgentComplete",
                      "caller_id": "1764440000.7", "member": "PJSIP/1001", "reason": "caller"}),
    ]  # fmt: skip
    with engine.begin() as connection:
        for table, values in rows:
            connection.execute(sa.insert(table), values)
    engine.dispose()

    store = open_store(store_url)  # migrates to head
    with store.session() as s:
        call = s.get(Call, "1764440000.7")
        assert call is not None and [e.kind for e in call.events] == ["call.started"]
        case = s.get(Case, "k1")
        assert case is not None and (case.call_id, case.service) == ("1764440000.7", "etat-civil")
        callback = s.get(Callback, "b1")
        assert callback is not None and callback.done_by == "marie"
        sms = s.get(SmsOutboxRow, "m1")
        assert sms is not None and sms.provider_sid == "SM123"
        event = s.scalars(sa.select(QueueEvent)).one()
        assert (event.queue, event.caller_id, event.member, event.reason) == (
            "accueil", "1764440000.7", "PJSIP/1001", "caller"
        )  # fmt: skip
        if store.engine.dialect.name == "sqlite":
            assert s.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        # and the widened columns take what they could not before
        s.add(Call(id=LONG_CHANNEL_ID, state="new", state_data={}))
        s.flush()
        s.add(CallEvent(call_id=LONG_CHANNEL_ID, kind="call.started", data={}))
        case.call_id = LONG_CHANNEL_ID
    with store.session() as s:
        case = s.get(Case, "k1")
        assert case is not None and case.call_id == LONG_CHANNEL_ID
    # the links still act: deleting the call takes its events and unlinks its case
    with store.session() as s:
        s.execute(sa.delete(Call).where(Call.id == LONG_CHANNEL_ID))
    with store.session() as s:
        assert s.scalars(sa.select(CallEvent.call_id)).all() == ["1764440000.7"]
        case = s.get(Case, "k1")
        assert case is not None and case.call_id is None
    store.close()
