"""What of the live events one person may see (``/api/events``), as a pure filter.

Supervisors and admins see everything. An agent or an expert sees the queue and
agent state (the board everyone works from), their own ``desk.*`` events, and the
events of the calls that are theirs: a call the queue rang them for or connected
them to (``AgentCalled``/``AgentConnected`` naming their interface), one an event
names them on (its ``agent`` field), one the snapshot shows them on, or one the
queue's records (``case_agents``) gave the feed when the page subscribed. Anything
else is not shown: a new kind of event is hidden until a rule here lets it through.
"""

from __future__ import annotations

from dataclasses import replace

from agent_softphone.access import Principal
from guichet.events import (
    AgentCalled,
    AgentChanged,
    AgentConnected,
    CallEvent,
    ChatEvent,
    Event,
    LiveCall,
    QueueEvent,
    QueuesSynced,
    QueuesUnsynced,
    Snapshot,
    SupervisionChanged,
)

# the website chats (W1) are the whole desk's board too: they carry no visitor text
_BOARD = (QueueEvent, AgentChanged, QueuesSynced, QueuesUnsynced, ChatEvent)


class FeedFilter:
    """One subscriber's filter; it remembers which calls are theirs as events pass."""

    def __init__(self, who: Principal, calls: frozenset[str] = frozenset()) -> None:
        self.who = who
        self.calls: set[str] = set(calls)

    def __call__(self, event: Event) -> Event | None:
        if self.who.sees_everything:
            return event
        self._learn(event)
        if isinstance(event, Snapshot):
            mine = tuple(c for c in event.calls if self._names_me(c))
            self.calls.update(c.call_id for c in mine)
            return replace(event, calls=mine)
        if isinstance(event, _BOARD):
            return event
        if event.type.startswith("desk."):
            return event if self._is_mine(event) else None
        if isinstance(event, SupervisionChanged):
            # supervision (E3): only the agent supervised sees it (their discreet
            # indicator), not whoever else once had the call
            return event if self._is_me(event.agent) else None
        if isinstance(event, CallEvent):
            return event if event.call_id in self.calls else None
        return None

    def _learn(self, event: Event) -> None:
        if isinstance(event, AgentCalled | AgentConnected) and self._is_me(event.member):
            self.calls.add(event.unique_id)
        elif isinstance(event, CallEvent) and self._is_mine(event):
            self.calls.add(event.call_id)

    def _is_mine(self, event: Event) -> bool:
        named = getattr(event, "agent", None) or getattr(event, "username", None)
        return isinstance(named, str) and self._is_me(named)

    def _names_me(self, call: LiveCall) -> bool:
        return call.call_id in self.calls or (call.agent is not None and self._is_me(call.agent))

    def _is_me(self, name: str) -> bool:
        return name in (self.who.username, self.who.interface)
