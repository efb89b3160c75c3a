"""The event bus and the live-calls projection behind its snapshots: a subscriber
gets the state first, then every change; a slow one is re-sent the state; the
publisher never waits and never sees a subscriber's trouble."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from guichet.bus import InMemoryBus
from guichet.events import (
    EVENT_TYPES,
    Abstained,
    AgentConnected,
    CallAnswered,
    CallbackBooked,
    CallEnded,
    CallEscalated,
    CallResumed,
    CallRouted,
    CallStarted,
    CallTransferred,
    CardProposed,
    Event,
    HandedOver,
    LanguageChanged,
    QueueBoard,
    QueueCallerJoined,
    QueuesUnsynced,
    QueueView,
    Snapshot,
    TurnTranscribed,
)
from guichet.live import LiveCalls

CALL = "1795645004.0"
AT = dt.datetime(2026, 11, 29, 9, 30, tzinfo=dt.UTC)  # fixed: events compare equal


def started(call_id: str = CALL) -> CallStarted:
    return CallStarted(at=AT, call_id=call_id, caller="+33 6 •• •• •• 78", line="+33 1 23 45 67 89")


def turn(n: int, call_id: str = CALL) -> TurnTranscribed:
    return TurnTranscribed(at=AT, call_id=call_id, speaker="caller", text=f"phrase {n}", turn=n)


async def next_event(stream: object, timeout: float = 2.0) -> Event:
    get = stream.get  # type: ignore[attr-defined]
    event: Event = await asyncio.wait_for(get(), timeout)
    return event


# --- the projection -----------------------------------------------------------------


def test_a_call_folds_into_one_live_row_and_ends() -> None:
    live = LiveCalls(max_turns=3)
    live.apply(started())
    (row,) = live.calls()
    assert (row.state, row.caller) == ("new", "+33 6 •• •• •• 78")
    assert row.started_at == AT

    for event in (
        CallAnswered(call_id=CALL, case_id="case-1", language="fr"),
        CallRouted(call_id=CALL, target="voicebot", reason="closed"),
        *(turn(n) for n in range(1, 6)),
        LanguageChanged(call_id=CALL, lang="en"),
        CardProposed(
            call_id=CALL,
            turn=5,
            card_id="etat-civil-naissance",
            title="Acte de naissance",
            service="etat-civil",
            confidence=0.82,
        ),
        Abstained(call_id=CALL, turn=6, confidence=0.2),
        HandedOver(call_id=CALL, reason="asked_for_person"),
        CallEscalated(call_id=CALL, queue="etat-civil", service="etat-civil"),
        AgentConnected(queue="etat-civil", unique_id=CALL, member="PJSIP/1002", member_name="Zoé"),
    ):
        live.apply(event)
    row = live.calls()[0]
    assert row.case_id == "case-1"  # learnt from the answer, kept after
    assert (row.state, row.queue, row.agent) == ("escalated", "etat-civil", "Zoé")
    assert (row.language, row.topic, row.service) == ("en", "Acte de naissance", "etat-civil")
    assert (row.confidence, row.handed_over) == (0.2, "asked_for_person")
    # only the last turns are kept, in order
    assert row.transcript == (
        ("caller", "phrase 3"),
        ("caller", "phrase 4"),
        ("caller", "phrase 5"),
    )

    live.apply(CallEnded(call_id=CALL, reason="to_queue"))
    assert live.calls() == ()


def test_a_late_answer_does_not_undo_the_route_and_transfers_clear_the_agent() -> None:
    live = LiveCalls()
    live.apply(started())
    live.apply(CallRouted(call_id=CALL, target="reception_queue", reason="open"))
    live.apply(CallAnswered(call_id=CALL, language="fr"))
    assert live.calls()[0].state == "reception_queue"
    live.apply(AgentConnected(queue="reception", unique_id=CALL, member="PJSIP/1001"))
    assert live.calls()[0].agent == "PJSIP/1001"
    live.apply(CallTransferred(call_id=CALL, queue="urbanisme"))
    assert (live.calls()[0].state, live.calls()[0].agent) == ("queue", None)
    live.apply(
        CallbackBooked(
            call_id=CALL, callback_id="cb-1", reference="R-1", due_by=dt.datetime.now(dt.UTC)
        )
    )
    assert live.calls()[0].state == "callback"


def test_only_a_start_or_a_resume_opens_a_row() -> None:
    """A turn that races the hang-up must not bring an ended call back as a ghost."""
    live = LiveCalls()
    live.apply(started())
    live.apply(CallEnded(call_id=CALL, reason="caller_hangup"))
    live.apply(turn(9))
    live.apply(AgentConnected(queue="reception", unique_id=CALL, member="PJSIP/1001"))
    assert live.calls() == ()

    live.apply(CallResumed(call_id="other", case_id="case-2", state="voicebot"))
    (row,) = live.calls()
    assert (row.call_id, row.case_id, row.state) == ("other", "case-2", "voicebot")


def test_rows_are_bounded_when_ends_are_missed() -> None:
    live = LiveCalls(max_calls=2)
    for call_id in ("a", "b", "c"):
        live.apply(started(call_id))
    assert [c.call_id for c in live.calls()] == ["b", "c"]


# --- the bus -------------------------------------------------------------------------


async def test_a_subscriber_gets_the_snapshot_then_the_changes() -> None:
    bus = InMemoryBus()
    bus.publish(started())
    bus.publish(turn(1))
    bus.set_queue_source(
        lambda: QueueBoard(synced=True, queues=(QueueView("reception", logged_in=1),))
    )
    async with bus.subscribe(snapshot=True) as events:
        # published after subscribing, before the first read: a change, not in the snapshot
        bus.publish(turn(2))
        first = await next_event(events)
        assert isinstance(first, Snapshot)
        (row,) = first.calls
        assert row.transcript == (("caller", "phrase 1"),)
        assert first.queues_synced and first.queues[0].queue == "reception"
        assert await next_event(events) == turn(2)

        bus.publish(answered := CallAnswered(call_id=CALL, language="fr"))
        assert await next_event(events) == answered
        assert len(events) == 0
    assert bus.subscribers == 0


async def test_a_subscriber_without_snapshot_gets_only_its_types() -> None:
    bus = InMemoryBus()
    bus.publish(started())
    async with bus.subscribe(types=(QueueCallerJoined, CallEnded)) as events:
        bus.publish(turn(1))
        bus.publish(ended := CallEnded(call_id=CALL, reason="completed"))
        bus.publish(QueuesUnsynced())
        assert await next_event(events) == ended
        assert len(events) == 0
        with pytest.raises(asyncio.QueueEmpty):
            events.get_nowait()


async def test_a_waiting_subscriber_wakes_on_publish() -> None:
    bus = InMemoryBus()
    async with bus.subscribe() as events:
        waiting = asyncio.create_task(events.get())
        try:
            # one turn of the loop (not a timed wait): the reader now waits on the
            # empty buffer, so the publish below has to wake it
            await asyncio.sleep(0)
            assert not waiting.done()
            bus.publish(event := started())
            assert await asyncio.wait_for(waiting, 2) == event
        finally:
            waiting.cancel()


async def test_a_slow_subscriber_is_resent_the_state_then_the_changes() -> None:
    bus = InMemoryBus()
    async with (
        bus.subscribe(snapshot=True, max_queued=3) as slow,
        bus.subscribe(snapshot=True) as fast,
    ):
        bus.publish(started())
        for n in range(1, 8):
            bus.publish(turn(n))
        # the fast one: its snapshot (empty), then all eight changes
        assert isinstance(fast.get_nowait(), Snapshot)
        assert [fast.get_nowait() for _ in range(8)][-1] == turn(7)

        # the slow one overflowed: no stale events, a snapshot built now instead
        assert len(slow) == 1
        fresh = await next_event(slow)
        assert isinstance(fresh, Snapshot)
        assert fresh.calls[0].transcript[-1] == ("caller", "phrase 7")
        assert slow.dropped == 9 and slow.resnapshots == 1  # first snapshot + 8 changes
        # …and from there, the changes again
        bus.publish(turn(8))
        assert await next_event(slow) == turn(8)
        assert len(slow) == 0


async def test_a_slow_subscriber_without_snapshot_loses_its_oldest_events() -> None:
    bus = InMemoryBus()
    async with bus.subscribe(max_queued=2) as events:
        for n in range(1, 5):
            bus.publish(turn(n))
        assert [events.get_nowait(), events.get_nowait()] == [turn(3), turn(4)]
        assert events.dropped == 2


async def test_publish_never_waits_for_a_subscriber_that_does_not_read() -> None:
    bus = InMemoryBus()
    async with bus.subscribe(snapshot=True, max_queued=1) as stuck, bus.subscribe() as reader:
        # publish is a plain function call: nothing to await, whoever reads or not
        bus.publish(started())
        for n in range(10_000):
            bus.publish(turn(n))
        assert reader.get_nowait() == turn(9_000)  # the reader kept the newest 1000
        snapshot = stuck.get_nowait()
        assert isinstance(snapshot, Snapshot) and snapshot.calls[0].transcript[-1] == (
            "caller",
            "phrase 9999",
        )


async def test_publish_never_raises_into_the_publisher(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenLive(LiveCalls):
        def apply(self, event: Event) -> None:
            raise RuntimeError("a bug in the projection")

    def broken_source() -> QueueBoard:
        raise RuntimeError("a bug in the queue monitor")

    bus = InMemoryBus(BrokenLive())
    bus.set_queue_source(broken_source)
    async with bus.subscribe(snapshot=True) as events:
        bus.publish(event := turn(1))
        snapshot = events.get_nowait()
        # the queue part is unknown rather than wrong, and the change still goes out
        assert isinstance(snapshot, Snapshot) and not snapshot.queues_synced
        assert events.get_nowait() == event
    assert "not folded" in caplog.text and "queue source failed" in caplog.text


async def test_a_snapshot_and_every_event_go_out_as_json() -> None:
    bus = InMemoryBus()
    bus.publish(started())
    bus.set_queue_source(lambda: QueueBoard(synced=True, queues=(QueueView("reception"),)))
    wire = json.loads(json.dumps(bus.snapshot().to_json()))
    assert wire["type"] == "snapshot" and wire["queues_synced"] is True
    assert wire["calls"][0]["call_id"] == CALL
    assert dt.datetime.fromisoformat(wire["calls"][0]["started_at"]).tzinfo is not None
    assert wire["queues"][0]["queue"] == "reception"
    # every kind of event has a wire name of its own
    assert len(EVENT_TYPES) == len(set(EVENT_TYPES.values()))
