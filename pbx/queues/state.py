"""Live queue and agent state, built from app_queue's AMI events.

Pure: :meth:`QueueState.apply` takes one event (a dict with Asterisk's header
names) and returns what changed, as the typed events of :mod:`guichet.events`
(with a KPI row where the event makes one); the monitor (``pbx.queues.monitor``)
does the I/O. The full state comes from a ``QueueStatus`` snapshot (QueueParams,
QueueMember, QueueEntry…, QueueStatusComplete), re-read on every (re)connect; the
events keep it current in between.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from guichet.events import (
    AgentCalled,
    AgentChanged,
    AgentCompleted,
    AgentConnected,
    AgentRingNoAnswer,
    AgentState,
    AgentView,
    CallerView,
    Event,
    MemberView,
    QueueBoard,
    QueueCallerAbandoned,
    QueueCallerJoined,
    QueueCallerLeft,
    QueueMemberAdded,
    QueueMemberChanged,
    QueueMemberRemoved,
    QueuesSynced,
    QueueView,
)

log = logging.getLogger(__name__)


class DeviceState(IntEnum):
    """Asterisk's device states; app_queue sends them as numbers (``Status``),
    DeviceStateChange as names (``State``)."""

    UNKNOWN = 0
    NOT_INUSE = 1
    INUSE = 2
    BUSY = 3
    INVALID = 4
    UNAVAILABLE = 5
    RINGING = 6
    RINGINUSE = 7
    ONHOLD = 8


def _device_state(raw: str | None) -> DeviceState:
    if raw is None or raw == "":
        return DeviceState.UNKNOWN
    if raw.isdigit():
        try:
            return DeviceState(int(raw))
        except ValueError:
            return DeviceState.UNKNOWN
    return DeviceState.__members__.get(raw.upper(), DeviceState.UNKNOWN)


def _int(raw: str | None) -> int:
    try:
        return int(raw or 0)
    except ValueError:
        return 0


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _epoch(raw: str | None) -> float | None:
    """app_queue's epoch seconds; 0 means never."""
    value = _float(raw)
    return value if value else None


@dataclass
class Member:
    """A queue member: an agent's phone logged in to one queue."""

    interface: str  # PJSIP/1001
    name: str
    state_interface: str
    membership: str = "dynamic"
    paused: bool = False
    paused_reason: str = ""
    in_call: bool = False
    device: DeviceState = DeviceState.UNKNOWN
    calls_taken: int = 0
    last_call: float | None = None
    login_time: float | None = None
    last_pause: float | None = None
    # callers connected to it (AgentConnect, until AgentComplete): app_queue's own
    # InCall flag may arrive late, in a QueueMemberStatus sent for the device
    # state change that raced the connection, and would say "not in call"
    connected: set[str] = field(default_factory=set, repr=False)

    @property
    def reachable(self) -> bool:
        """Its phone can ring: registered (UNKNOWN is let through, as app_queue does)."""
        return self.device not in (DeviceState.UNAVAILABLE, DeviceState.INVALID)

    @property
    def available(self) -> bool:
        """Logged in, not paused, phone reachable (busy agents count: callers wait)."""
        return not self.paused and self.reachable

    def view(self) -> MemberView:
        return MemberView(
            interface=self.interface,
            name=self.name,
            state_interface=self.state_interface,
            membership=self.membership,
            paused=self.paused,
            paused_reason=self.paused_reason,
            in_call=self.in_call,
            device=self.device.name,
            calls_taken=self.calls_taken,
            last_call=self.last_call,
            login_time=self.login_time,
            available=self.available,
        )


@dataclass
class Caller:
    """A caller waiting in a queue. No phone number: the channel id is the link to
    the call and its case file."""

    unique_id: str
    channel: str
    position: int
    joined_at: float
    ringing: str | None = None  # the member interface being rung
    connected_to: str | None = None

    def view(self, now: float) -> CallerView:
        return CallerView(
            unique_id=self.unique_id,
            channel=self.channel,
            position=self.position,
            joined_at=self.joined_at,
            wait_s=round(max(0.0, now - self.joined_at), 3),
            ringing=self.ringing,
            connected_to=self.connected_to,
        )


@dataclass
class Queue:
    name: str
    members: dict[str, Member] = field(default_factory=dict)
    callers: dict[str, Caller] = field(default_factory=dict)
    completed: int = 0
    abandoned: int = 0

    def waiting(self) -> list[Caller]:
        """Callers not yet connected to an agent, first in line first."""
        return sorted(
            (c for c in self.callers.values() if c.connected_to is None), key=lambda c: c.position
        )

    def longest_wait_s(self, now: float) -> float:
        waiting = self.waiting()
        return max((now - c.joined_at for c in waiting), default=0.0)

    @property
    def logged_in(self) -> int:
        return len(self.members)

    @property
    def paused(self) -> int:
        return sum(m.paused for m in self.members.values())

    @property
    def in_call(self) -> int:
        return sum(m.in_call for m in self.members.values())

    @property
    def available(self) -> int:
        return sum(m.available for m in self.members.values())

    def view(self, now: float) -> QueueView:
        waiting = self.waiting()
        return QueueView(
            queue=self.name,
            logged_in=self.logged_in,
            available=self.available,
            paused=self.paused,
            in_call=self.in_call,
            waiting=len(waiting),
            longest_wait_s=round(self.longest_wait_s(now), 1),
            completed=self.completed,
            abandoned=self.abandoned,
            members=tuple(m.view() for m in self.members.values()),
            callers=tuple(c.view(now) for c in waiting),
        )


@dataclass(frozen=True)
class QueueKpi:
    """One row of ``queue_events``: the raw data of the queue KPIs."""

    queue: str
    kind: str  # Asterisk's event name: QueueCallerJoin, AgentComplete…
    at: float
    caller_id: str | None = None  # the caller's channel uniqueid, never a number
    member: str | None = None  # the member's interface
    wait_s: float | None = None
    talk_s: float | None = None
    ring_s: float | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Change:
    """What an AMI event changed: the event for the bus, and maybe a KPI row."""

    event: Event
    kpi: QueueKpi | None = None


_MEMBER_EVENTS = frozenset(
    {
        "QueueMemberStatus",
        "QueueMemberPause",
        "QueueMemberPenalty",
        "QueueMemberRinginuse",
    }
)

# the phone is in a call, queued or not (a callback, a transfer): the agent is busy
_ON_THE_PHONE = frozenset(
    {DeviceState.INUSE, DeviceState.BUSY, DeviceState.ONHOLD, DeviceState.RINGINUSE}
)


def _when(at: float) -> dt.datetime:
    """An event's time: Asterisk's own timestamp, as the KPI row has it."""
    return dt.datetime.fromtimestamp(at, dt.UTC)


class QueueState:
    """All queues, by name. Not thread-safe: one owner (the monitor's receiver)."""

    def __init__(self) -> None:
        self.queues: dict[str, Queue] = {}
        self.synced = False
        self._snapshot: dict[str, Queue] | None = None
        # the agent views last told (AgentChanged), by interface: what ``since``
        # carries over, and what a new view is compared with
        self._agents: dict[str, AgentView] = {}

    def queue(self, name: str) -> Queue:
        found = self.queues.get(name)
        if found is None:
            # a queue we have not seen in a snapshot (added by a reload): track it
            found = self.queues[name] = Queue(name)
        return found

    def views(self, now: float) -> tuple[QueueView, ...]:
        return tuple(self.queues[name].view(now) for name in sorted(self.queues))

    def agents(self) -> tuple[AgentView, ...]:
        return tuple(self._agents[interface] for interface in sorted(self._agents))

    def board(self, now: float) -> QueueBoard:
        return QueueBoard(synced=self.synced, queues=self.views(now), agents=self.agents())

    def summary(self, now: float) -> list[dict[str, Any]]:
        """The queues as plain JSON-ready dicts (``guichet queues show --json``)."""
        return [asdict(view) for view in self.views(now)]

    def resync_started(self) -> None:
        """A new connection: state is stale until the next snapshot completes."""
        self.synced = False
        self._snapshot = None

    # --- events -------------------------------------------------------------------

    def apply(self, event: dict[str, str], now: float) -> list[Change]:
        kind = event.get("Event", "")
        at = _float(event.get("Timestamp")) or now
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None and kind in _MEMBER_EVENTS:
            handler = self._member_update
        if handler is None:
            return []
        try:
            changes: list[Change] = handler(event, at)
        except KeyError as exc:
            # a malformed event must not end the connection (and loop on reconnects)
            log.warning("AMI %s without %s: ignored", kind, exc)
            return []
        if changes and not isinstance(changes[0].event, QueuesSynced):
            changes.extend(self._agent_changes(at))
        return changes

    # snapshot (QueueStatus): built aside, swapped in whole on completion
    def _on_QueueParams(self, e: dict[str, str], at: float) -> list[Change]:
        snapshot = self._snapshot if self._snapshot is not None else {}
        self._snapshot = snapshot
        snapshot[e["Queue"]] = Queue(
            e["Queue"], completed=_int(e.get("Completed")), abandoned=_int(e.get("Abandoned"))
        )
        return []

    def _on_QueueMember(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self._snapshot_queue(e["Queue"])
        # QueueStatus says Name/Location where the events say MemberName/Interface
        member = Member(interface=e.get("Location", ""), name=e.get("Name", ""), state_interface="")
        _update_member(member, e)
        queue.members[member.interface] = member
        return []

    def _on_QueueEntry(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self._snapshot_queue(e["Queue"])
        caller = Caller(
            unique_id=e.get("Uniqueid", ""),
            channel=e.get("Channel", ""),
            position=_int(e.get("Position")),
            joined_at=at - (_float(e.get("Wait")) or 0.0),
        )
        queue.callers[caller.unique_id] = caller
        return []

    def _on_QueueStatusComplete(self, e: dict[str, str], at: float) -> list[Change]:
        self.queues = self._snapshot or {}
        self._snapshot = None
        self.synced = True
        # no AgentChanged for a resync: QueuesSynced carries every agent
        self._agents = self._agent_views(at, resync=True)
        return [Change(QueuesSynced(at=_when(at), queues=self.views(at), agents=self.agents()))]

    def _snapshot_queue(self, name: str) -> Queue:
        snapshot = self._snapshot if self._snapshot is not None else {}
        self._snapshot = snapshot
        return snapshot.setdefault(name, Queue(name))

    # callers
    def _on_QueueCallerJoin(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        caller = Caller(
            unique_id=e.get("Uniqueid", ""),
            channel=e.get("Channel", ""),
            position=_int(e.get("Position")),
            joined_at=at,
        )
        queue.callers[caller.unique_id] = caller
        event = QueueCallerJoined(
            at=_when(at), queue=queue.name, caller=caller.view(at), waiting=len(queue.waiting())
        )
        kpi = QueueKpi(queue.name, "QueueCallerJoin", at, caller_id=caller.unique_id)
        return [Change(event, kpi)]

    def _on_QueueCallerLeave(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        unique_id = e.get("Uniqueid", "")
        caller = queue.callers.pop(unique_id, None)
        position = _int(e.get("Position"))
        # app_queue renumbers the callers behind; its events do not say so
        for other in queue.callers.values():
            if other.position > position:
                other.position -= 1
        # every caller leaves: answered (Asterisk 22 sends this just BEFORE
        # AgentConnect), abandoned, timed out, emptied out, or gone to the voicebot
        wait_s = round(at - caller.joined_at, 3) if caller is not None else None
        event = QueueCallerLeft(
            at=_when(at),
            queue=queue.name,
            unique_id=unique_id,
            wait_s=wait_s,
            waiting=len(queue.waiting()),
        )
        kpi = QueueKpi(queue.name, "QueueCallerLeave", at, caller_id=unique_id, wait_s=wait_s)
        return [Change(event, kpi)]

    def _on_QueueCallerAbandon(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        queue.abandoned += 1
        unique_id = e.get("Uniqueid", "")
        wait_s = _float(e.get("HoldTime"))
        event = QueueCallerAbandoned(
            at=_when(at),
            queue=queue.name,
            unique_id=unique_id,
            wait_s=wait_s,
            original_position=_int(e.get("OriginalPosition")),
            abandoned=queue.abandoned,
        )
        kpi = QueueKpi(queue.name, "QueueCallerAbandon", at, caller_id=unique_id, wait_s=wait_s)
        return [Change(event, kpi)]

    # agents and calls
    def _on_AgentCalled(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        interface = e.get("Interface", "")
        caller = queue.callers.get(e.get("Uniqueid", ""))
        if caller is not None:
            caller.ringing = interface
        event = AgentCalled(
            at=_when(at),
            queue=queue.name,
            unique_id=e.get("Uniqueid", ""),
            member=interface,
            member_name=e.get("MemberName", ""),
        )
        return [Change(event)]

    def _on_AgentRingNoAnswer(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        interface = e.get("Interface", "")
        caller = queue.callers.get(e.get("Uniqueid", ""))
        if caller is not None and caller.ringing == interface:
            caller.ringing = None
        ring_s = (_float(e.get("RingTime")) or 0.0) / 1000.0 or None  # milliseconds
        event = AgentRingNoAnswer(
            at=_when(at), queue=queue.name, unique_id=e.get("Uniqueid", ""), member=interface
        )
        kpi = QueueKpi(
            queue.name,
            "AgentRingNoAnswer",
            at,
            caller_id=e.get("Uniqueid") or None,
            member=interface,
            ring_s=ring_s,
        )
        return [Change(event, kpi)]

    def _on_AgentConnect(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        interface = e.get("Interface", "")
        unique_id = e.get("Uniqueid", "")
        caller = queue.callers.get(unique_id)
        if caller is not None:
            caller.ringing = None
            caller.connected_to = interface
        member = queue.members.get(interface)
        if member is not None:
            member.connected.add(unique_id)
            member.in_call = True
        wait_s = _float(e.get("HoldTime"))
        ring_s = _float(e.get("RingTime"))
        event = AgentConnected(
            at=_when(at),
            queue=queue.name,
            unique_id=unique_id,
            member=interface,
            member_name=e.get("MemberName", ""),
            agent_channel=e.get("DestChannel", ""),
            agent_unique_id=e.get("DestUniqueid", ""),
            wait_s=wait_s,
        )
        kpi = QueueKpi(
            queue.name,
            "AgentConnect",
            at,
            caller_id=unique_id or None,
            member=interface,
            wait_s=wait_s,
            ring_s=ring_s,
        )
        return [Change(event, kpi)]

    def _on_AgentComplete(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        queue.completed += 1
        interface = e.get("Interface", "")
        member = queue.members.get(interface)
        unique_id = e.get("Uniqueid", "")
        if not unique_id and member is not None and len(member.connected) == 1:
            # Asterisk leaves the caller's fields out when the caller's channel is gone
            # before the event is built (a hang-up racing the agent's, seen under load):
            # the one call this member was connected to is the one completed
            (unique_id,) = member.connected
        if member is not None:
            member.connected.discard(unique_id)
            member.in_call = bool(member.connected)
        wait_s = _float(e.get("HoldTime"))
        talk_s = _float(e.get("TalkTime"))
        reason = e.get("Reason") or None  # caller | agent | transfer
        event = AgentCompleted(
            at=_when(at),
            queue=queue.name,
            unique_id=unique_id,
            member=interface,
            wait_s=wait_s,
            talk_s=talk_s,
            reason=reason,
            completed=queue.completed,
        )
        kpi = QueueKpi(
            queue.name,
            "AgentComplete",
            at,
            caller_id=unique_id or None,
            member=interface,
            wait_s=wait_s,
            talk_s=talk_s,
            reason=reason,
        )
        return [Change(event, kpi)]

    # members
    def _on_QueueMemberAdded(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        interface = e.get("Interface", "")
        member = queue.members.get(interface) or Member(
            interface=interface, name="", state_interface=""
        )
        _update_member(member, e)
        queue.members[interface] = member
        event = QueueMemberAdded(at=_when(at), queue=queue.name, member=member.view())
        kpi = QueueKpi(queue.name, "QueueMemberAdded", at, member=interface)
        return [Change(event, kpi)]

    def _on_QueueMemberRemoved(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        interface = e.get("Interface", "")
        queue.members.pop(interface, None)
        event = QueueMemberRemoved(at=_when(at), queue=queue.name, interface=interface)
        kpi = QueueKpi(queue.name, "QueueMemberRemoved", at, member=interface)
        return [Change(event, kpi)]

    def _member_update(self, e: dict[str, str], at: float) -> list[Change]:
        queue = self.queue(e["Queue"])
        interface = e.get("Interface", "")
        member = queue.members.get(interface)
        if member is None:
            # an update for a member we missed (events raced the snapshot): adopt it
            member = queue.members[interface] = Member(interface, "", "")
        before = member.view()
        _update_member(member, e)
        kind = e["Event"]
        kpi = None
        if kind == "QueueMemberPause":
            # occupancy KPIs: when an agent paused and why
            state = "paused" if member.paused else "unpaused"
            reason = f"{state}: {member.paused_reason}" if member.paused_reason else state
            kpi = QueueKpi(queue.name, kind, at, member=interface, reason=reason)
        after = member.view()
        if after == before and kpi is None:
            return []
        event = QueueMemberChanged(at=_when(at), queue=queue.name, member=after, cause=kind)
        return [Change(event, kpi)]

    def _on_DeviceStateChange(self, e: dict[str, str], at: float) -> list[Change]:
        device = e.get("Device", "")
        state = _device_state(e.get("State"))
        changes = []
        for queue in self.queues.values():
            for member in queue.members.values():
                target = member.state_interface or member.interface
                if target.lower() == device.lower() and member.device != state:
                    member.device = state
                    event = QueueMemberChanged(
                        at=_when(at),
                        queue=queue.name,
                        member=member.view(),
                        cause="DeviceStateChange",
                    )
                    changes.append(Change(event))
        return changes

    # --- agents: one phone across its queues --------------------------------------

    def _agent_changes(self, at: float) -> list[Change]:
        """An AgentChanged for each agent whose view differs from the one last told
        (one logged out of every queue is told as ``logged_out``)."""
        current = self._agent_views(at)
        changes = [
            Change(AgentChanged(at=_when(at), agent=view))
            for interface, view in current.items()
            if self._agents.get(interface) != view
        ]
        for interface in sorted(self._agents.keys() - current.keys()):
            gone = AgentView(interface, self._agents[interface].name, "logged_out", since=at)
            changes.append(Change(AgentChanged(at=_when(at), agent=gone)))
        self._agents = current
        return changes

    def _agent_views(self, at: float, *, resync: bool = False) -> dict[str, AgentView]:
        memberships: dict[str, list[tuple[Queue, Member]]] = {}
        for name in sorted(self.queues):
            queue = self.queues[name]
            for member in queue.members.values():
                memberships.setdefault(member.interface, []).append((queue, member))
        views = {}
        for interface, found in memberships.items():
            state = _agent_state(interface, found)
            told = self._agents.get(interface)
            if told is not None and told.state == state:
                since: float | None = told.since  # a resync does not restart the clock
            elif resync:
                since = _since_guess(state, [m for _, m in found])
            else:
                since = at
            members = [m for _, m in found]
            connected = sorted(set().union(*(m.connected for m in members)))
            views[interface] = AgentView(
                interface=interface,
                name=next((m.name for m in members if m.name), ""),
                state=state,
                paused_reason=(
                    next((m.paused_reason for m in members if m.paused_reason), "")
                    if state == "paused"
                    else ""
                ),
                since=since,
                current_call=connected[0] if connected else None,
                queues=tuple(q.name for q, _ in found),
            )
        return views


def _agent_state(interface: str, found: list[tuple[Queue, Member]]) -> AgentState:
    members = [m for _, m in found]
    if any(m.in_call or m.connected or m.device in _ON_THE_PHONE for m in members):
        return "in_call"
    rung = any(c.ringing == interface for q, _ in found for c in q.callers.values())
    if rung or any(m.device is DeviceState.RINGING for m in members):
        return "ringing"
    # paused in one queue still takes calls from the others
    if all(m.paused for m in members):
        return "paused"
    if not any(m.reachable for m in members):
        return "unavailable"
    return "available"


def _since_guess(state: AgentState, members: list[Member]) -> float | None:
    """When an agent first seen in a QueueStatus entered its state, from what
    app_queue keeps (None: unknown)."""
    if state == "paused":
        return max((m.last_pause for m in members if m.last_pause), default=None)
    if state == "available":
        times = [t for m in members for t in (m.last_call, m.last_pause, m.login_time) if t]
        return max(times, default=None)
    return None


def _update_member(member: Member, e: dict[str, str]) -> None:
    """The fields every member event (and QueueStatus's QueueMember) carries."""
    if name := e.get("MemberName") or e.get("Name"):
        member.name = name
    if state_interface := e.get("StateInterface"):
        member.state_interface = state_interface
    if membership := e.get("Membership"):
        member.membership = membership
    if "Paused" in e:
        member.paused = e["Paused"] == "1"
        member.paused_reason = e.get("PausedReason", "") if member.paused else ""
    if "InCall" in e:
        member.in_call = e["InCall"] == "1" or bool(member.connected)
    if "Status" in e:
        member.device = _device_state(e["Status"])
    if "CallsTaken" in e:
        member.calls_taken = _int(e["CallsTaken"])
    if "LastCall" in e:
        member.last_call = _epoch(e["LastCall"])
    if "LastPause" in e:
        member.last_pause = _epoch(e["LastPause"])
    if "LoginTime" in e:
        member.login_time = _epoch(e["LoginTime"])
