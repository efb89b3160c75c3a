"""Who sees which live event (``agent_softphone.feed_filter``), as a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from agent_softphone.access import Principal
from agent_softphone.feed_filter import FeedFilter
from guichet.events import (
    AgentCalled,
    AgentChanged,
    AgentConnected,
    AgentView,
    CallAnswered,
    CallerView,
    CallEvent,
    CallStarted,
    Event,
    LiveCall,
    QueueCallerJoined,
    Snapshot,
)


def person(username: str, role: str) -> Principal:
    return Principal(1, username, username, role, frozenset(), "fr")


@dataclass(frozen=True, kw_only=True)
class DeskThing(Event):
    """A ``desk.*`` event naming its account (D3's DeskStateChanged has the same shape)."""

    type: ClassVar[str] = "desk.thing"
    username: str


@dataclass(frozen=True, kw_only=True)
class AssistThing(CallEvent):
    """A call event naming its agent (D4's AssistLine has the same shape)."""

    type: ClassVar[str] = "call.assist_thing"
    agent: str


@dataclass(frozen=True, kw_only=True)
class Unheard(Event):
    type: ClassVar[str] = "new.kind"


SNAPSHOT = Snapshot(
    calls=(LiveCall("a-call", agent="PJSIP/marie"), LiveCall("b-call", agent="PJSIP/paul")),
)


def test_supervisors_and_admins_see_everything() -> None:
    for role in ("supervisor", "admin"):
        shown = FeedFilter(person("sophie", role))
        for event in (SNAPSHOT, CallStarted(call_id="x"), Unheard(), DeskThing(username="paul")):
            assert shown(event) is event


def test_the_snapshot_keeps_only_their_calls() -> None:
    shown = FeedFilter(person("marie", "agent"))
    trimmed = shown(SNAPSHOT)
    assert isinstance(trimmed, Snapshot)
    assert [c.call_id for c in trimmed.calls] == ["a-call"]
    assert shown(CallAnswered(call_id="a-call", language="fr")) is not None
    assert shown(CallAnswered(call_id="b-call", language="fr")) is None


def test_a_call_becomes_theirs_when_the_queue_rings_them() -> None:
    shown = FeedFilter(person("marie", "agent"))
    assert shown(CallStarted(call_id="c")) is None
    assert shown(AgentCalled(queue="reception", unique_id="c", member="PJSIP/paul")) is not None
    assert shown(CallAnswered(call_id="c", language="fr")) is None  # rang Paul, not her
    assert shown(AgentConnected(queue="reception", unique_id="c", member="PJSIP/marie"))
    assert shown(CallAnswered(call_id="c", language="fr")) is not None


def test_events_naming_them_are_theirs_and_others_are_not() -> None:
    shown = FeedFilter(person("marie", "expert"))
    assert shown(AssistThing(call_id="d", agent="paul")) is None
    assert shown(AssistThing(call_id="d", agent="marie")) is not None
    assert shown(CallAnswered(call_id="d", language="fr")) is not None  # now theirs
    assert shown(DeskThing(username="marie")) is not None
    assert shown(DeskThing(username="paul")) is None


def test_the_board_is_everyones_and_an_unknown_kind_is_hidden() -> None:
    shown = FeedFilter(person("marie", "agent"))
    caller = CallerView(unique_id="u", channel="PJSIP/trunk-1", position=1, joined_at=0.0)
    assert shown(QueueCallerJoined(queue="reception", caller=caller, waiting=1)) is not None
    assert shown(AgentChanged(agent=AgentView(interface="PJSIP/paul"))) is not None
    assert shown(Unheard()) is None
