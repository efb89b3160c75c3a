"""A recording :class:`guichet.desk.DeskControl` for the web desk's tests (the real
one, ``pbx.desk.PbxDesk``, is tested against a real Asterisk)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from agent_softphone.desk import DeskStateRepository, DeskStates
from guichet.bus import EventStream, InMemoryBus
from guichet.desk import DeskPolicy
from guichet.errors import GuichetError
from guichet.events import DeskStateChanged
from guichet.store import Store


@dataclass
class RecordingDesk:
    applied: list[tuple[str, tuple[str, ...], str, str]] = field(default_factory=list)
    escalated: list[tuple[str, str, str]] = field(default_factory=list)
    refuse: bool = False

    async def set_agent_state(
        self, account: str, queues: Sequence[str], state: str, reason: str = ""
    ) -> None:
        if self.refuse:
            raise GuichetError("AMI QueueAdd failed: Unable to add interface")
        self.applied.append((account, tuple(queues), state, reason))

    async def escalate(self, call_id: str, queue: str, case_id: str) -> None:
        self.escalated.append((call_id, queue, case_id))


@dataclass
class Desk:
    """Desk states on a real store, with a recording queue side and an in-memory bus."""

    states: DeskStates
    control: RecordingDesk
    bus: InMemoryBus
    repo: DeskStateRepository


@contextlib.asynccontextmanager
async def open_desk(store: Store, policy: DeskPolicy) -> AsyncIterator[Desk]:
    control, bus = RecordingDesk(), InMemoryBus()
    states = DeskStates(store, bus, control, policy)
    try:
        yield Desk(states, control, bus, DeskStateRepository(store))
    finally:
        await states.aclose()


async def next_state(stream: EventStream, timeout: float = 5.0) -> DeskStateChanged:
    """The next desk state published on ``stream`` (other events skipped)."""
    while True:
        event = await asyncio.wait_for(stream.get(), timeout)
        if isinstance(event, DeskStateChanged):
            return event
