"""The event bus: the typed events of :mod:`guichet.events`, from the call side and
the queue monitor to the web app and any other listener.

In-process here (:class:`InMemoryBus`); a Redis bus can take its place when Guichet
spans machines, behind the :class:`EventBus` protocol. Its promises:

- :meth:`~EventBus.publish` never blocks and never raises into the publisher (the
  call controller, the AMI receiver): it only appends to per-subscriber buffers.
- A subscriber may ask for a :class:`~guichet.events.Snapshot` first (calls in
  progress, queues, agents), built at the moment it subscribes, then every change.
- A slow subscriber loses events rather than slowing anyone down. One that asked
  for a snapshot is then given a fresh one before the next change (a browser is
  never wrong for long); one that did not loses its oldest events, with a warning.

The calls part of a snapshot is folded here, on publish (:class:`~guichet.live.
LiveCalls`); the queues and agents part is asked of the queue monitor, which owns
that state and registers itself with :meth:`~EventBus.set_queue_source`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from guichet.events import Event, QueueBoard, Snapshot
from guichet.live import LiveCalls

__all__ = ["EventBus", "EventStream", "InMemoryBus", "QueueSource", "Subscription"]

log = logging.getLogger(__name__)

QueueSource = Callable[[], QueueBoard]
"""The queues and agents now; called, synchronously, each time a snapshot is built."""

DEFAULT_MAX_QUEUED = 1000


class EventStream(Protocol):
    """What a subscriber reads: ``await get()`` or ``async for event in stream``."""

    dropped: int

    async def get(self) -> Event: ...

    def get_nowait(self) -> Event: ...

    def __aiter__(self) -> AsyncIterator[Event]: ...


class EventBus(Protocol):
    def publish(self, event: Event) -> None:
        """Hand ``event`` to every subscriber; never blocks, never raises."""
        ...

    def subscribe(
        self,
        *,
        snapshot: bool = False,
        types: tuple[type[Event], ...] | None = None,
        max_queued: int = DEFAULT_MAX_QUEUED,
    ) -> AbstractAsyncContextManager[EventStream]:
        """The events from now on (only ``types`` and their subclasses, if given),
        preceded by a :class:`Snapshot` if ``snapshot``; unsubscribed on exit."""
        ...

    def snapshot(self) -> Snapshot:
        """What is true now: calls in progress, queues and agents."""
        ...

    def set_queue_source(self, source: QueueSource | None) -> None:
        """Where snapshots read the queues and agents (``None``: unknown)."""
        ...


class Subscription:
    """One subscriber's buffer, filled by :meth:`InMemoryBus.publish`.

    ``dropped`` counts the events it never received; ``resnapshots`` the fresh
    snapshots it was given instead after an overflow.
    """

    def __init__(
        self,
        bus: InMemoryBus,
        *,
        snapshot: bool,
        types: tuple[type[Event], ...] | None,
        max_queued: int,
    ) -> None:
        if max_queued < 1:
            raise ValueError("max_queued must be at least 1")
        self._bus = bus
        self._resnapshot = snapshot
        self._types = types
        self._max = max_queued
        self._items: deque[Event] = deque()
        self._wake = asyncio.Event()
        # overflowed: the buffer was emptied; the next read builds a fresh snapshot,
        # which already holds everything published until then
        self._stale = False
        self._warned = False
        self.dropped = 0
        self.resnapshots = 0
        if snapshot:
            self._put(bus.snapshot())

    def __len__(self) -> int:
        return len(self._items) + self._stale

    def _offer(self, event: Event) -> None:
        if self._types is not None and not isinstance(event, self._types):
            return
        if self._stale:
            self.dropped += 1  # the snapshot still to come will hold it
            return
        if len(self._items) >= self._max:
            if self._resnapshot:
                self.dropped += len(self._items) + 1
                self._items.clear()
                self._stale = True
                self._wake.set()
                log.warning("bus: a subscriber fell behind; it will be sent a new snapshot")
                return
            self._items.popleft()
            self.dropped += 1
            if not self._warned:
                self._warned = True
                log.warning("bus: a subscriber fell behind; its oldest events are lost")
        self._put(event)

    def _put(self, event: Event) -> None:
        self._items.append(event)
        self._wake.set()

    def get_nowait(self) -> Event:
        """The next event; :class:`asyncio.QueueEmpty` if there is none yet."""
        if self._stale:
            self._stale = False
            self.resnapshots += 1
            return self._bus.snapshot()
        if not self._items:
            raise asyncio.QueueEmpty
        self._warned = False
        return self._items.popleft()

    async def get(self) -> Event:
        while True:
            try:
                return self.get_nowait()
            except asyncio.QueueEmpty:
                self._wake.clear()
                await self._wake.wait()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            yield await self.get()


class InMemoryBus:
    """Fan-out to per-subscriber buffers, in one event loop: publish from that
    loop's thread (every publisher here runs in it)."""

    def __init__(self, live: LiveCalls | None = None) -> None:
        self.live = live if live is not None else LiveCalls()
        self._subscriptions: set[Subscription] = set()
        self._queue_source: QueueSource | None = None

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def publish(self, event: Event) -> None:
        try:
            self.live.apply(event)
        except Exception:
            # a bug in the projection must not reach the call that published
            log.exception("bus: %s not folded into the live calls", event.type)
        for subscription in tuple(self._subscriptions):
            try:
                subscription._offer(event)
            except Exception:
                log.exception("bus: %s not delivered to a subscriber", event.type)

    @asynccontextmanager
    async def subscribe(
        self,
        *,
        snapshot: bool = False,
        types: tuple[type[Event], ...] | None = None,
        max_queued: int = DEFAULT_MAX_QUEUED,
    ) -> AsyncIterator[Subscription]:
        # built and registered without an await in between: no event can fall
        # between the snapshot and the first change
        subscription = Subscription(self, snapshot=snapshot, types=types, max_queued=max_queued)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def snapshot(self) -> Snapshot:
        board = QueueBoard()
        if self._queue_source is not None:
            try:
                board = self._queue_source()
            except Exception:
                log.exception("bus: the queue source failed; queues shown as unknown")
        return Snapshot(
            calls=self.live.calls(),
            queues=board.queues,
            agents=board.agents,
            queues_synced=board.synced,
        )

    def set_queue_source(self, source: QueueSource | None) -> None:
        self._queue_source = source
