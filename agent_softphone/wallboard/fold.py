"""The wallboard's state, folded from the bus's events: pure and synchronous, so that
what a supervisor sees is tested without a server.

One :class:`Wallboard` per open page. It starts from the bus's snapshot (queues,
agents, calls), today's counts from the store (:func:`count_queue_event` over the
``queue_events`` rows) and the desk states, then folds every event. Each
:meth:`Wallboard.apply` returns the rows that changed, as the page receives them:
``{"type": "queue" | "agent" | "call", "row": …}`` or ``{"type": "call_gone", …}``;
the page replaces a row by its key, it never computes a figure.

Today's counts are idempotent: a connect or an abandon is counted once by (queue,
kind, caller id), whether it came from the store, the live event, or both (a page
that subscribed while the row was being written).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from guichet.events import (
    AgentChanged,
    AgentCompleted,
    AgentConnected,
    AgentView,
    AssistLine,
    CallEvent,
    DeskStateChanged,
    Event,
    LiveCall,
    MemberView,
    QueueCallerAbandoned,
    QueueCallerJoined,
    QueueCallerLeft,
    QueueMemberAdded,
    QueueMemberChanged,
    QueueMemberRemoved,
    QueuesSynced,
    QueuesUnsynced,
    QueueView,
    Snapshot,
)
from guichet.live import LiveCalls

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "DeskView",
    "QueueToday",
    "Wallboard",
    "count_queue_event",
    "service_level",
    "username_of",
]

# the queue_events kinds (Asterisk's event names) today's counts are made of
ANSWERED = "AgentConnect"
ABANDONED = "QueueCallerAbandon"
MAX_TRANSCRIPT = 10


@dataclass
class QueueToday:
    """One queue's counts since midnight (the city hall's)."""

    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    seen: set[tuple[str, str]] = field(default_factory=set)  # (kind, caller id) counted


def count_queue_event(
    today: QueueToday, kind: str, caller_id: str | None, wait_s: float | None, sl_s: float
) -> bool:
    """Count one answer or abandon into ``today``; False when it was counted already
    (or is not one). An answer with no known wait is answered, not within the level."""
    if kind not in (ANSWERED, ABANDONED):
        return False
    if caller_id:
        key = (kind, caller_id)
        if key in today.seen:
            return False
        today.seen.add(key)
    if kind == ANSWERED:
        today.answered += 1
        if wait_s is not None and wait_s <= sl_s:
            today.answered_in_sl += 1
    else:
        today.abandoned += 1
    return True


def service_level(today: QueueToday) -> float | None:
    """Answered within the level, out of the callers who were answered or gave up
    (percent); None before the first of them."""
    offered = today.answered + today.abandoned
    return None if offered == 0 else round(100.0 * today.answered_in_sl / offered, 1)


def username_of(interface: str, name: str = "") -> str:
    """A desk account's queue member is its own endpoint, ``PJSIP/<username>``."""
    if interface.startswith("PJSIP/"):
        return interface.split("/", 1)[1]
    return name or interface


@dataclass(frozen=True)
class DeskView:
    """A desk account's state as its page set it (``agent_states``)."""

    username: str
    state: str = "logged_out"
    reason: str = ""
    since: dt.datetime | None = None
    display_name: str = ""


def _epoch(value: dt.datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


class _Calls(LiveCalls):
    """The bus's own fold of the calls, seeded from a snapshot."""

    def seed(self, calls: Iterable[LiveCall]) -> None:
        for call in calls:
            self._open(call)


@dataclass
class _Queue:
    name: str
    callers: dict[str, float] = field(default_factory=dict)  # unique id -> joined (epoch)
    members: dict[str, MemberView] = field(default_factory=dict)


class Wallboard:
    def __init__(
        self,
        *,
        service_level_s: float,
        zone: ZoneInfo,
        day: dt.date,
        today: Mapping[str, QueueToday] | None = None,
        desk: Iterable[DeskView] = (),
    ) -> None:
        self.service_level_s = service_level_s
        self.zone = zone
        self.day = day
        self.today: dict[str, QueueToday] = dict(today or {})
        self.desk: dict[str, DeskView] = {d.username: d for d in desk}
        self.queues: dict[str, _Queue] = {}
        self.agents: dict[str, AgentView] = {}  # by username
        self.call_since: dict[str, float] = {}  # username -> connected (epoch)
        self.calls = _Calls(max_turns=MAX_TRANSCRIPT)
        self.assist: dict[str, tuple[tuple[str, str], ...]] = {}  # call id -> lines
        self.synced = False

    # --- the whole board ------------------------------------------------------

    def load(self, snapshot: Snapshot) -> None:
        """Start (or start again, after the bus re-sent a snapshot) from ``snapshot``;
        today's counts and desk states are kept."""
        self.synced = snapshot.queues_synced
        self._load_queues(snapshot.queues, snapshot.agents)
        self.calls = _Calls(max_turns=MAX_TRANSCRIPT)
        self.calls.seed(snapshot.calls)
        live = {c.call_id for c in snapshot.calls}
        self.assist = {k: v for k, v in self.assist.items() if k in live}

    def _load_queues(self, queues: Iterable[QueueView], agents: Iterable[AgentView]) -> None:
        self.queues = {
            q.queue: _Queue(
                q.queue,
                {c.unique_id: c.joined_at for c in q.callers if c.connected_to is None},
                {m.interface: m for m in q.members},
            )
            for q in queues
        }
        self.agents = {username_of(a.interface, a.name): a for a in agents}
        for username, agent in self.agents.items():
            if agent.state == "in_call" and agent.since is not None:
                self.call_since.setdefault(username, agent.since)

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "type": "wallboard",
            "server_time": now,
            "service_level_s": self.service_level_s,
            "synced": self.synced,
            "queues": [self.queue_row(name) for name in self._queue_names()],
            "agents": [self.agent_row(u) for u in sorted(self._usernames())],
            "calls": [self.call_row(c) for c in self.calls.calls()],
        }

    def _queue_names(self) -> list[str]:
        return sorted(set(self.queues) | set(self.today))

    def _usernames(self) -> set[str]:
        return set(self.desk) | set(self.agents)

    # --- rows ------------------------------------------------------------------

    def queue_row(self, name: str) -> dict[str, Any]:
        queue = self.queues.get(name) or _Queue(name)
        today = self.today.get(name) or QueueToday()
        members = queue.members.values()
        return {
            "queue": name,
            "waiting": len(queue.callers),
            "oldest_joined_at": min(queue.callers.values(), default=None),
            "logged_in": len(queue.members),
            "available": sum(1 for m in members if m.available),
            "paused": sum(1 for m in members if m.paused),
            "in_call": sum(1 for m in members if m.in_call),
            "answered": today.answered,
            "answered_in_sl": today.answered_in_sl,
            "abandoned": today.abandoned,
            "service_level": service_level(today),
        }

    def longest_wait_s(self, name: str, now: float) -> float:
        queue = self.queues.get(name)
        oldest = min(queue.callers.values(), default=None) if queue else None
        return 0.0 if oldest is None else max(0.0, now - oldest)

    def agent_row(self, username: str) -> dict[str, Any]:
        desk = self.desk.get(username) or DeskView(username)
        agent = self.agents.get(username)
        on_call = agent is not None and agent.state == "in_call"
        ringing = agent is not None and agent.state == "ringing"
        # what the row says, most telling first: on a call, ringing, the desk's state
        if on_call or ringing:
            assert agent is not None
            shown = "in_call" if on_call else "ringing"
            since = self.call_since.get(username, agent.since) if on_call else agent.since
        elif username in self.desk:
            shown, since = desk.state, _epoch(desk.since)
        elif agent is not None:  # a queue member with no desk page (a phone, a test)
            shown = {"unavailable": "logged_out"}.get(agent.state, agent.state)
            since = agent.since
        else:
            shown, since = "logged_out", None
        call_id = agent.current_call if agent is not None and (on_call or ringing) else None
        call = self.calls.get(call_id) if call_id else None
        reason = desk.reason if shown == "paused" and desk.reason else ""
        if shown == "paused" and not reason and agent is not None:
            reason = agent.paused_reason
        return {
            "username": username,
            "name": desk.display_name or (agent.name if agent else "") or username,
            "state": shown,
            "desk_state": desk.state,
            "reason": reason,
            "since": since,
            "on_call": on_call,
            "call_id": call_id,
            "call_caller": call.caller if call else "",
            "call_since": self.call_since.get(username) if on_call else None,
            "queues": list(agent.queues) if agent else [],
        }

    def call_row(self, call: LiveCall) -> dict[str, Any]:
        lines = (*call.transcript, *self.assist.get(call.call_id, ()))
        return {
            "call_id": call.call_id,
            "caller": call.caller,
            "started_at": _epoch(call.started_at),
            "state": call.state,
            "kind": "human" if call.agent else "voicebot" if call.state != "queue" else "queue",
            "language": call.language,
            "topic": call.topic,
            "service": call.service,
            "confidence": call.confidence,
            "queue": call.queue,
            "handed_over": call.handed_over,
            "agent": username_of(call.agent) if call.agent else None,
            "transcript": [list(t) for t in lines[-MAX_TRANSCRIPT:]],
        }

    # --- events ----------------------------------------------------------------

    def _roll_day(self, at: dt.datetime) -> list[dict[str, Any]]:
        day = at.astimezone(self.zone).date()
        if day <= self.day:
            return []
        self.day = day
        self.today = {}
        return [{"type": "queue", "row": self.queue_row(q)} for q in self._queue_names()]

    def _count(self, queue: str, kind: str, caller: str, wait_s: float | None) -> bool:
        today = self.today.setdefault(queue, QueueToday())
        return count_queue_event(today, kind, caller, wait_s, self.service_level_s)

    def apply(self, event: Event) -> list[dict[str, Any]]:
        """Fold ``event``; the rows it changed, as the page receives them."""
        if isinstance(event, Snapshot):
            self.load(event)
            return [self.to_json(event.at.timestamp())]
        changes = self._roll_day(event.at)
        queues: set[str] = set()
        agents: set[str] = set()
        calls: set[str] = set()
        match event:
            case QueuesSynced():
                self.synced = True
                self._load_queues(event.queues, event.agents)
                return [*changes, self.to_json(event.at.timestamp())]
            case QueuesUnsynced():
                self.synced = False
                return [*changes, {"type": "synced", "synced": False}]
            case QueueCallerJoined():
                self._queue(event.queue).callers[event.caller.unique_id] = event.caller.joined_at
                queues.add(event.queue)
            case QueueCallerLeft():
                self._queue(event.queue).callers.pop(event.unique_id, None)
                queues.add(event.queue)
            case QueueCallerAbandoned():
                self._queue(event.queue).callers.pop(event.unique_id, None)
                self._count(event.queue, ABANDONED, event.unique_id, event.wait_s)
                queues.add(event.queue)
            case AgentConnected():
                self._queue(event.queue).callers.pop(event.unique_id, None)
                self._count(event.queue, ANSWERED, event.unique_id, event.wait_s)
                who = username_of(event.member, event.member_name)
                self.call_since[who] = event.at.timestamp()
                queues.add(event.queue)
                agents.add(who)
                calls.add(event.unique_id)
            case AgentCompleted():
                who = username_of(event.member)
                self.call_since.pop(who, None)
                agents.add(who)
            case QueueMemberAdded() | QueueMemberChanged():
                self._queue(event.queue).members[event.member.interface] = event.member
                queues.add(event.queue)
            case QueueMemberRemoved():
                self._queue(event.queue).members.pop(event.interface, None)
                queues.add(event.queue)
            case AgentChanged():
                who = username_of(event.agent.interface, event.agent.name)
                self.agents[who] = event.agent
                if event.agent.state != "in_call":
                    self.call_since.pop(who, None)
                elif who not in self.call_since and event.agent.since is not None:
                    self.call_since[who] = event.agent.since
                agents.add(who)
            case DeskStateChanged():
                known = self.desk.get(event.username) or DeskView(event.username)
                self.desk[event.username] = dataclasses.replace(
                    known, state=event.state, reason=event.reason, since=event.at
                )
                agents.add(event.username)
            case AssistLine():
                if event.final and self.calls.get(event.call_id) is not None:
                    lines = (*self.assist.get(event.call_id, ()), (event.speaker, event.text))
                    self.assist[event.call_id] = lines[-MAX_TRANSCRIPT:]
                    calls.add(event.call_id)
            case CallEvent():
                calls.add(event.call_id)
        if isinstance(event, CallEvent | AgentConnected):
            self.calls.apply(event)
        for call_id in calls:
            call = self.calls.get(call_id)
            if call is None:
                self.assist.pop(call_id, None)
                changes.append({"type": "call_gone", "call_id": call_id})
            else:
                changes.append({"type": "call", "row": self.call_row(call)})
                if call.agent:
                    agents.add(username_of(call.agent))
        changes += [{"type": "queue", "row": self.queue_row(q)} for q in sorted(queues)]
        changes += [{"type": "agent", "row": self.agent_row(a)} for a in sorted(agents)]
        return changes

    def _queue(self, name: str) -> _Queue:
        return self.queues.setdefault(name, _Queue(name))
