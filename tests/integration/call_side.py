"""What the tests against the real Asterisk share around a stack: the call side run in
the test's process (so that the test reads its bus), waits on bus events with a
time-out, and one-off AMI and ARI requests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import httpx

from guichet.bus import EventStream, InMemoryBus
from guichet.events import Event
from guichet.store import open_store
from pbx.ami import AmiConfig, ami_session
from pbx.credentials import credentials
from pbx.service import serve_controller
from tests.integration.stack import Stack

__all__ = ["BusWatch", "ami_action", "ari_get", "call_side"]

E = TypeVar("E", bound=Event)


def _any(_event: Any) -> bool:
    return True


class BusWatch:
    """The bus events as they come; a test waits on one with a time-out, never sleeps.
    ``describe`` adds what a failure should show of the events seen."""

    def __init__(
        self,
        events: EventStream,
        *,
        timeout: float = 20.0,
        describe: Callable[[Sequence[Event]], object] | None = None,
    ) -> None:
        self.events = events
        self.timeout = timeout
        self.describe = describe
        self.seen: list[Event] = []

    async def first(
        self, kind: type[E], when: Callable[[E], bool] = _any, timeout: float | None = None
    ) -> E:
        """The first matching event, seen already or to come; it stays seen (a later
        ``first`` finds it again)."""

        def match() -> E | None:
            return next((e for e in self.seen if isinstance(e, kind) and when(e)), None)

        async with self._failing(kind, timeout) as limit, asyncio.timeout(limit):
            while (found := match()) is None:
                self.seen.append(await self.events.get())
            return found

    async def event(
        self, kind: type[E], when: Callable[[E], bool] = _any, timeout: float | None = None
    ) -> E:
        """The next matching event not taken yet, and takes it (one that came while the
        test waited on another is found here)."""
        for event in self.seen:
            if isinstance(event, kind) and when(event):
                self.seen.remove(event)
                return event
        async with self._failing(kind, timeout) as limit, asyncio.timeout(limit):
            while True:
                event = await self.events.get()
                if isinstance(event, kind) and when(event):
                    return event
                self.seen.append(event)

    async def until(self, check: Callable[[], bool], timeout: float | None = None) -> None:
        """Until ``check()`` holds, re-checked on every bus event."""
        limit = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                while not check():
                    self.seen.append(await self.events.get())
        except TimeoutError:
            raise AssertionError(f"state not reached in {limit} s: {self.state()}") from None

    def state(self) -> object:
        """What a failed ``until`` shows."""
        return [e.type for e in self.seen]

    @contextlib.asynccontextmanager
    async def _failing(self, kind: type[Event], timeout: float | None) -> AsyncIterator[float]:
        limit = self.timeout if timeout is None else timeout
        try:
            yield limit
        except TimeoutError:
            alike = [e for e in self.seen if isinstance(e, kind)]
            found = f"no {kind.type} within {limit} s; saw {[e.type for e in self.seen]}"
            found += f"; {kind.type} seen: {alike}"
            if self.describe is not None:
                found += f"; {self.describe(self.seen)}"
            raise AssertionError(found) from None


@contextlib.asynccontextmanager
async def call_side(stack: Stack, bus: InMemoryBus, **controller: Any) -> AsyncIterator[None]:
    """``serve_controller`` on the stack, ready (``controller``: its optional parts,
    e.g. ``supervision=``), cancelled at the end."""
    store = open_store(stack.settings.store_url)
    ready = asyncio.Event()
    task = asyncio.create_task(serve_controller(stack.settings, store, bus, ready, **controller))
    try:
        waiter = asyncio.ensure_future(ready.wait())
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=120, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        if task in done:
            task.result()
        assert ready.is_set(), "the call side did not get ready"
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        store.close()


async def ari_get(stack: Stack, path: str) -> list[dict[str, object]]:
    """One ARI listing (``/channels``, ``/bridges``) of the stack's Asterisk."""
    creds = credentials(stack.settings)
    async with httpx.AsyncClient(
        base_url=stack.settings.ari_base_url.rstrip("/") + "/ari",
        auth=(creds.ari_user, creds.ari_password),
    ) as client:
        reply = await client.get(path)
        reply.raise_for_status()
        found: list[dict[str, object]] = reply.json()
        return found


async def ami_action(stack: Stack, fields: dict[str, str]) -> list[dict[str, str]]:
    """One AMI action on a session of its own."""
    async with ami_session(AmiConfig.from_settings(stack.settings)) as ami:
        return await ami.action(fields)
