"""The wallboard's figures, folded from events (pure): today's counts, the service
level, the longest wait, the agents' rows, the live calls' transcripts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from agent_softphone.wallboard.fold import (
    ABANDONED,
    ANSWERED,
    DeskView,
    QueueToday,
    Wallboard,
    count_queue_event,
    service_level,
)
from guichet.events import (
    AgentChanged,
    AgentCompleted,
    AgentConnected,
    AgentView,
    AssistLine,
    CallEnded,
    CallerView,
    CallStarted,
    CardProposed,
    DeskStateChanged,
    HandedOver,
    LanguageChanged,
    LiveCall,
    QueueCallerAbandoned,
    QueueCallerJoined,
    QueueCallerLeft,
    QueueView,
    Snapshot,
    TurnTranscribed,
)

PARIS = ZoneInfo("Europe/Paris")
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=PARIS)
T0 = NOON.timestamp()


def board(**kwargs: Any) -> Wallboard:
    return Wallboard(service_level_s=30, zone=PARIS, day=NOON.date(), **kwargs)


def at(seconds: float) -> dt.datetime:
    return NOON + dt.timedelta(seconds=seconds)


def rows(changes: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [c["row"] for c in changes if c["type"] == kind]


def test_an_answer_counts_within_the_level_up_to_the_level_itself() -> None:
    today = QueueToday()
    assert count_queue_event(today, ANSWERED, "a", 30.0, 30)  # on the limit: within
    assert count_queue_event(today, ANSWERED, "b", 30.5, 30)  # past it: answered only
    assert count_queue_event(today, ANSWERED, "c", None, 30)  # wait unknown: not within
    assert count_queue_event(today, ABANDONED, "d", 4.0, 30)
    assert not count_queue_event(today, "QueueCallerJoin", "e", 1.0, 30)
    assert (today.answered, today.answered_in_sl, today.abandoned) == (3, 1, 1)
    # 1 within the level out of 4 callers answered or gone
    assert service_level(today) == 25.0
    assert service_level(QueueToday()) is None


def test_the_same_answer_from_the_store_and_the_live_event_counts_once() -> None:
    today = QueueToday()
    assert count_queue_event(today, ANSWERED, "1795.1", 12.0, 30)  # the stored row
    wall = board(today={"reception": today})
    # the page subscribed while that row was written: the live event comes too
    changes = wall.apply(
        AgentConnected(
            at=at(0), queue="reception", unique_id="1795.1", member="PJSIP/marie", wait_s=12.0
        )
    )
    (row,) = rows(changes, "queue")
    assert (row["answered"], row["answered_in_sl"]) == (1, 1)
    changes = wall.apply(
        QueueCallerAbandoned(at=at(5), queue="reception", unique_id="1795.2", wait_s=50.0)
    )
    (row,) = rows(changes, "queue")
    assert (row["answered"], row["abandoned"], row["service_level"]) == (1, 1, 50.0)


def test_the_longest_wait_is_the_oldest_caller_still_waiting() -> None:
    first = CallerView("c1", "PJSIP/trunk-1", 1, joined_at=T0 - 40)
    wall = board()
    wall.load(
        Snapshot(queues_synced=True, queues=(QueueView("reception", waiting=1, callers=(first,)),))
    )
    assert wall.longest_wait_s("reception", T0) == 40
    second = CallerView("c2", "PJSIP/trunk-2", 2, joined_at=T0 - 5)
    changes = wall.apply(QueueCallerJoined(at=at(0), queue="reception", caller=second, waiting=2))
    (row,) = rows(changes, "queue")
    assert (row["waiting"], row["oldest_joined_at"]) == (2, T0 - 40)
    changes = wall.apply(
        QueueCallerLeft(at=at(1), queue="reception", unique_id="c1", wait_s=41, waiting=1)
    )
    (row,) = rows(changes, "queue")
    assert (row["waiting"], row["oldest_joined_at"]) == (1, T0 - 5)
    assert wall.longest_wait_s("reception", T0 + 10) == 15
    wall.apply(QueueCallerLeft(at=at(2), queue="reception", unique_id="c2", wait_s=7, waiting=0))
    assert wall.longest_wait_s("reception", T0 + 10) == 0


def test_an_agent_row_shows_the_desk_state_then_the_call_over_it() -> None:
    since = at(-300)
    wall = board(desk=[DeskView("marie", "available", since=since, display_name="Marie C.")])
    assert wall.agent_row("marie")["state"] == "available"
    assert wall.agent_row("marie")["since"] == since.timestamp()

    changes = wall.apply(
        DeskStateChanged(at=at(0), username="marie", state="paused", reason="formation")
    )
    (row,) = rows(changes, "agent")
    assert (row["name"], row["state"], row["reason"], row["since"]) == (
        "Marie C.",
        "paused",
        "formation",
        T0,
    )
    wall.apply(DeskStateChanged(at=at(10), username="marie", state="available"))
    wall.apply(CallStarted(at=at(11), call_id="call-1", caller="+33 6 •• •• •• 78"))
    wall.apply(
        AgentConnected(
            at=at(20), queue="reception", unique_id="call-1", member="PJSIP/marie", wait_s=3.0
        )
    )
    changes = wall.apply(
        AgentChanged(
            at=at(20),
            agent=AgentView("PJSIP/marie", state="in_call", since=T0 + 20, current_call="call-1"),
        )
    )
    (row,) = rows(changes, "agent")
    assert (row["state"], row["on_call"], row["call_id"], row["call_caller"]) == (
        "in_call",
        True,
        "call-1",
        "+33 6 •• •• •• 78",
    )
    assert row["call_since"] == T0 + 20
    wall.apply(
        AgentCompleted(at=at(80), queue="reception", unique_id="call-1", member="PJSIP/marie")
    )
    wall.apply(DeskStateChanged(at=at(80), username="marie", state="wrapup"))
    changes = wall.apply(
        AgentChanged(at=at(80), agent=AgentView("PJSIP/marie", state="available", since=T0 + 80))
    )
    (row,) = rows(changes, "agent")
    assert (row["state"], row["on_call"], row["call_since"], row["since"]) == (
        "wrapup",
        False,
        None,
        T0 + 80,
    )


def test_a_voicebot_call_shows_its_transcript_topic_confidence_and_hand_over() -> None:
    wall = board()
    wall.load(Snapshot(calls=(LiveCall("v1", caller="+33 6 •• •• •• 12", started_at=at(-5)),)))
    wall.apply(LanguageChanged(at=at(0), call_id="v1", lang="en"))
    wall.apply(TurnTranscribed(at=at(1), call_id="v1", speaker="caller", text="My passport?"))
    wall.apply(
        CardProposed(
            at=at(2),
            call_id="v1",
            turn=1,
            card_id="passeport",
            title="Passport",
            service="etat-civil",
            confidence=0.82,
        )
    )
    wall.apply(TurnTranscribed(at=at(3), call_id="v1", speaker="bot", text="Book online."))
    changes = wall.apply(HandedOver(at=at(4), call_id="v1", reason="asked_for_person"))
    (row,) = rows(changes, "call")
    assert row["kind"] == "voicebot"
    assert (row["caller"], row["language"], row["topic"], row["confidence"]) == (
        "+33 6 •• •• •• 12",
        "en",
        "Passport",
        0.82,
    )
    assert row["handed_over"] == "asked_for_person"
    assert row["transcript"] == [["caller", "My passport?"], ["bot", "Book online."]]

    # taken by an agent: live assist's final lines follow the bot's turns
    wall.apply(AgentConnected(at=at(10), queue="reception", unique_id="v1", member="PJSIP/marie"))
    line = dict(agent="marie", final=True, started_at=at(11), call_id="v1")
    wall.apply(AssistLine(at=at(11), speaker="caller", text="Hello", seq=1, **line))  # type: ignore[arg-type]
    interim = dict(line, final=False)
    wall.apply(AssistLine(at=at(12), speaker="agent", text="Hel", seq=2, **interim))  # type: ignore[arg-type]
    changes = wall.apply(AssistLine(at=at(13), speaker="agent", text="Hi", seq=2, **line))  # type: ignore[arg-type]
    (row,) = rows(changes, "call")
    assert (row["kind"], row["agent"]) == ("human", "marie")
    assert row["transcript"][-2:] == [["caller", "Hello"], ["agent", "Hi"]]

    changes = wall.apply(CallEnded(at=at(30), call_id="v1", reason="completed"))
    assert {"type": "call_gone", "call_id": "v1"} in changes
    assert wall.to_json(T0)["calls"] == []


def test_midnight_starts_a_new_day_of_counts() -> None:
    wall = board()
    wall.apply(QueueCallerAbandoned(at=at(0), queue="reception", unique_id="x", wait_s=9.0))
    assert wall.queue_row("reception")["abandoned"] == 1
    tomorrow = dt.datetime(2026, 12, 1, 0, 0, 5, tzinfo=PARIS)
    changes = wall.apply(
        AgentConnected(at=tomorrow, queue="reception", unique_id="y", member="PJSIP/a", wait_s=2.0)
    )
    row = rows(changes, "queue")[-1]
    assert (row["abandoned"], row["answered"], row["answered_in_sl"]) == (0, 1, 1)
