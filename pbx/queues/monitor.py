"""Queues: the live monitor of app_queue over AMI, and the agents' controls.

- :class:`QueueMonitor` keeps one AMI connection (``pbx.ami``), re-reads the
  whole state with ``QueueStatus`` on every (re)connect, follows the events, publishes
  the changes on the event bus (the queue events of :mod:`guichet.events`), writes
  KPI rows (``queue_events``), and answers the bus's snapshots with its state.
- :class:`AgentControl` logs agents in and out and pauses them (QueueAdd, QueueRemove,
  QueuePause): the web app and ``guichet queues`` call it.
- :meth:`QueueMonitor.agents_available` is what routing asks before sending a caller
  to a queue.

On the bus: :class:`~guichet.events.QueuesSynced` after every (re)connect,
:class:`~guichet.events.QueuesUnsynced` when AMI is lost (the state is unknown until
the next sync), then the caller, agent, member and :class:`~guichet.events.
AgentChanged` events as app_queue reports them. An event that makes a KPI row is
published after the row is stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from guichet.bus import EventBus
from guichet.errors import StoreError
from guichet.events import QueueBoard, QueuesSynced, QueuesUnsynced
from guichet.settings import Settings
from guichet.store import Store
from pbx.ami import AmiActionFailed, AmiConfig, AmiEvent, AmiEventSocket, ami_session
from pbx.errors import AmiError, MemberNotFound, QueueNotFound
from pbx.queues.state import Queue, QueueState
from pbx.queues.store import QueueEventRepository

log = logging.getLogger(__name__)

# AMI event filter (a regex on the event's text): the events QueueState follows
_EVENTS = "^Event: (Queue|Agent|DeviceStateChange)"


class AmiActions(Protocol):
    async def action(
        self, fields: Mapping[str, str], *, as_list: bool = False, in_order: bool = False
    ) -> list[AmiEvent]: ...


def interface_for(agent: str) -> str:
    """``1001`` (a SIP account) -> ``PJSIP/1001``; a full interface is kept."""
    return agent if "/" in agent else f"PJSIP/{agent}"


async def read_queue_state(ami: AmiActions) -> QueueState:
    """The whole state from one QueueStatus (no events needed)."""
    state = QueueState()
    now = time.time()
    for message in await ami.action({"Action": "QueueStatus"}, as_list=True):
        if "Event" in message:
            state.apply(message, now)
    return state


class AgentControl:
    """Agents' log in, log out and pause, over AMI; Asterisk's refusals become
    :class:`QueueNotFound` / :class:`MemberNotFound` / :class:`AmiError`."""

    def __init__(self, ami: AmiActions) -> None:
        self._ami = ami

    async def login(
        self,
        agent: str,
        queue: str,
        *,
        name: str | None = None,
        paused: bool = False,
        reason: str = "",
    ) -> None:
        """Log ``agent`` (``1001`` or ``PJSIP/1001``) in to ``queue``. Logging in twice
        is not an error (a browser reloaded, a retried request)."""
        interface = interface_for(agent)
        fields = {
            "Action": "QueueAdd",
            "Queue": queue,
            "Interface": interface,
            # the device state, not the call state, tells app_queue the phone is busy
            # or unregistered (ringinuse=no relies on it)
            "StateInterface": interface,
            "MemberName": name or agent,
            "Paused": "true" if paused else "false",
        }
        if paused and reason:
            fields["Reason"] = reason
        try:
            await self._ami.action(fields)
        except AmiActionFailed as exc:
            if "already there" in exc.message.lower():
                return
            raise _translate(exc, interface, queue) from exc

    async def logout(self, agent: str, queue: str) -> None:
        interface = interface_for(agent)
        try:
            await self._ami.action(
                {"Action": "QueueRemove", "Queue": queue, "Interface": interface}
            )
        except AmiActionFailed as exc:
            raise _translate(exc, interface, queue) from exc

    async def logout_everywhere(self, agent: str) -> list[str]:
        """Log ``agent`` out of every queue it is in; the queues it left."""
        interface = interface_for(agent)
        state = await read_queue_state(self._ami)
        left = [q.name for q in state.queues.values() if interface in q.members]
        for queue in left:
            await self.logout(agent, queue)
        return left

    async def pause(self, agent: str, queue: str | None = None, reason: str = "") -> None:
        """Pause ``agent`` in ``queue``, or in every queue it is in (``None``)."""
        await self._pause(agent, queue, paused=True, reason=reason)

    async def unpause(self, agent: str, queue: str | None = None) -> None:
        await self._pause(agent, queue, paused=False, reason="")

    async def _pause(self, agent: str, queue: str | None, *, paused: bool, reason: str) -> None:
        interface = interface_for(agent)
        fields = {
            "Action": "QueuePause",
            "Interface": interface,
            "Paused": "true" if paused else "false",
        }
        if queue is not None:
            fields["Queue"] = queue
        if reason:
            fields["Reason"] = reason
        try:
            await self._ami.action(fields)
        except AmiActionFailed as exc:
            raise _translate(exc, interface, queue) from exc


def _translate(exc: AmiActionFailed, interface: str, queue: str | None) -> AmiError:
    """app_queue's refusal messages (Asterisk 22), as pbx errors."""
    message = exc.message.lower()
    if "no such queue" in message and queue is not None:
        return QueueNotFound(queue)
    # QueuePause says "Interface not found" for an unknown queue too
    if "not there" in message or "interface not found" in message:
        return MemberNotFound(interface, queue)
    return exc


class QueueMonitor:
    """Live queue and agent state, kept over one long-lived AMI connection.

    Run :meth:`run` under an owner (a TaskOwner or ``run_until_signal``); cancel it
    to stop. ``synced`` is set once the state is complete (after the QueueStatus of
    the current connection), cleared while disconnected. While it runs, it is the
    bus's queue source (:meth:`board`).
    """

    def __init__(
        self,
        config: AmiConfig,
        bus: EventBus,
        events: QueueEventRepository | None = None,
        *,
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        keepalive_s: float = 10.0,
    ) -> None:
        self.state = QueueState()
        self.synced = asyncio.Event()
        self._bus = bus
        self._events = events
        self._socket = AmiEventSocket(
            config,
            self._on_event,
            self._on_connected,
            initial_backoff_s=initial_backoff_s,
            max_backoff_s=max_backoff_s,
            keepalive_s=keepalive_s,
            on_disconnected=self._on_disconnected,
        )
        self.control = AgentControl(self._socket)
        self.kpi_failures = 0

    @property
    def connections(self) -> int:
        return self._socket.connections

    async def run(self) -> None:
        self._bus.set_queue_source(self.board)
        try:
            await self._socket.run()
        finally:
            self._bus.set_queue_source(None)
            self._desync()

    def board(self) -> QueueBoard:
        """The queues and agents now, for the bus's snapshots (a synchronous read:
        the snapshot is built between two events)."""
        synced = self.synced.is_set() and self._socket.connected.is_set()
        if not synced:
            # what the state holds then is stale or half-built: show nothing wrong
            return QueueBoard()
        return self.state.board(time.time())

    def _desync(self) -> None:
        self.synced.clear()
        self.state.resync_started()

    def _on_disconnected(self) -> None:
        # until the next snapshot nothing is known: say so (the web app greys out)
        self._desync()
        self._bus.publish(QueuesUnsynced())

    async def _on_connected(self) -> None:
        self._desync()
        try:
            # only what the state needs: a busy Asterisk sends dozens of call events
            # per call (Newstate, Bridge*, RTCP, TestEvent…) that would all be parsed
            await self._socket.action({"Action": "Filter", "Operation": "Add", "Filter": _EVENTS})
        except AmiActionFailed as exc:  # an account without the "system" write class
            log.info("AMI event filter refused (%s): receiving every event", exc.message)
        # the snapshot is applied by the receiver, in wire order with the events
        await self._socket.action({"Action": "QueueStatus"}, as_list=True, in_order=True)

    async def _on_event(self, event: AmiEvent) -> None:
        for change in self.state.apply(event, time.time()):
            if change.kpi is not None and self._events is not None:
                try:
                    await self._events.add(change.kpi)
                except (StoreError, SQLAlchemyError, OSError):
                    # KPIs are statistics: a full disk must not blind the live view
                    self.kpi_failures += 1
                    log.exception("queue KPI row not stored (%s)", change.kpi.kind)
            if isinstance(change.event, QueuesSynced):
                self.synced.set()
            self._bus.publish(change.event)

    def queue(self, name: str) -> Queue:
        """The live state of one queue; QueueNotFound for a queue app_queue does not
        have (once synced)."""
        found = self.state.queues.get(name)
        if found is None:
            raise QueueNotFound(name)
        return found

    def agents_available(self, queue: str) -> bool:
        """True when ``queue`` has a logged-in, unpaused member whose phone is not
        unavailable (busy agents count: a caller may wait for them). False while the
        state is unknown (AMI down, not yet synced): routing then takes the path that
        never strands a caller (the voicebot, which offers a callback)."""
        if not (self.synced.is_set() and self._socket.connected.is_set()):
            return False
        return any(m.available for m in self.queue(queue).members.values())


async def serve_queue_monitor(
    settings: Settings,
    store: Store | None,
    bus: EventBus,
    ready: asyncio.Event | None = None,
    *,
    monitor: QueueMonitor | None = None,
) -> None:
    """Run a monitor from the settings until cancelled (for ``guichet up``);
    ``ready`` is set once its state is synced."""
    monitor = monitor or QueueMonitor(
        AmiConfig.from_settings(settings),
        bus,
        QueueEventRepository(store) if store is not None else None,
        initial_backoff_s=settings.reconnect_initial_s,
        max_backoff_s=settings.reconnect_max_s,
        keepalive_s=settings.ami_keepalive_s,
    )
    running = asyncio.create_task(monitor.run(), name="queue-monitor")
    try:
        if ready is not None:
            synced = asyncio.create_task(monitor.synced.wait(), name="queue-monitor-synced")
            try:
                await asyncio.wait({running, synced}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                synced.cancel()
            if monitor.synced.is_set():
                ready.set()
        await running
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def fetch_queue_state(settings: Settings) -> QueueState:
    """One-shot: connect, QueueStatus, close (``guichet status``, the CLI)."""
    async with ami_session(AmiConfig.from_settings(settings)) as ami:
        return await read_queue_state(ami)


def format_queues(state: QueueState, now: float | None = None) -> list[str]:
    """One line per queue, for ``guichet status`` and ``guichet queues show``."""
    now = time.time() if now is None else now
    lines = []
    for name in sorted(state.queues):
        q = state.queues[name]
        waiting = len(q.waiting())
        line = (
            f"  {name:<12} agents {q.logged_in} logged in, {q.available} available, "
            f"{q.paused} paused, {q.in_call} in call; callers waiting {waiting}"
        )
        if waiting:
            line += f", longest {q.longest_wait_s(now):.0f} s"
        lines.append(line)
    return lines
