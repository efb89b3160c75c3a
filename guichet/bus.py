"""The event bus: what happened (call started, routed, transcribed, ended…), for the
web app and any other listener. In-process here; Redis when Guichet spans machines,
behind the same two methods."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BusEvent:
    topic: str  # e.g. "call.started", "call.ended"
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class EventBus(Protocol):
    def publish(self, event: BusEvent) -> None: ...

    def subscribe(
        self, max_queued: int = 1000
    ) -> AbstractAsyncContextManager[asyncio.Queue[BusEvent]]: ...


class InMemoryBus:
    """Fan-out to per-subscriber queues. A slow subscriber loses its oldest events,
    never blocks the publisher (the call controller)."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[BusEvent]] = set()
        self.dropped = 0

    def publish(self, event: BusEvent) -> None:
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
                self.dropped += 1
            queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, max_queued: int = 1000) -> AsyncIterator[asyncio.Queue[BusEvent]]:
        queue: asyncio.Queue[BusEvent] = asyncio.Queue(max_queued)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)
