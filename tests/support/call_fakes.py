"""Stand-ins for what a call talks to, for fault tests of the call side: ARI's REST
(records every request; can refuse or hang one kind), a media link (records what the
caller was sent; the test speaks through ``caller``), and a session builder over a
real store and bus. What they record is what the tests judge: where the call was
sent (the dialplan's last resort, a queue), what the caller was sent, what was stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guichet.bus import InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.store import Store, open_store
from pbx.ari.events import Caller, Channel
from pbx.calls import CallRepository, CallSession, CallState, CallStep, CallTimeouts
from pbx.errors import AriError, CallNotFound, MediaError


class FakeRest:
    """ARI's REST as far as the call side uses it. ``requests`` lists every request as
    ``(name, channel_id, *args)``; ``refuse[name]`` makes that request raise the error
    given, ``hang`` makes the named requests never answer."""

    def __init__(self) -> None:
        self.requests: list[tuple[Any, ...]] = []
        self.refuse: dict[str, Exception] = {}
        self.hang: set[str] = set()
        self.changed = asyncio.Event()  # set on each request

    async def _do(self, name: str, *args: Any) -> None:
        self.requests.append((name, *args))
        self.changed.set()
        if name in self.hang:
            await asyncio.Event().wait()
        error = self.refuse.get(name)
        if error is not None:
            raise error

    def names(self, channel_id: str | None = None) -> list[str]:
        return [r[0] for r in self.requests if channel_id is None or r[1] == channel_id]

    def moved_to(self, channel_id: str) -> list[tuple[str, str]]:
        """Where the channel was sent in the dialplan: (context, extension)."""
        return [(r[2], r[3]) for r in self.requests if r[0] == "continue" and r[1] == channel_id]

    async def wait_for(self, predicate: Callable[[], bool], within_s: float) -> None:
        """Until ``predicate()`` holds (checked on each request); TimeoutError if not."""
        async with asyncio.timeout(within_s):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

    # --- AriRest ---
    async def answer(self, channel_id: str) -> None:
        await self._do("answer", channel_id)

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._do("hangup", channel_id)

    async def continue_in_dialplan(
        self, channel_id: str, context: str, extension: str, priority: int = 1
    ) -> None:
        await self._do("continue", channel_id, context, extension)

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self._do("set_variable", channel_id, name, value)

    async def start_silence(self, channel_id: str) -> None:
        await self._do("start_silence", channel_id)

    async def stop_silence(self, channel_id: str) -> None:
        await self._do("stop_silence", channel_id)

    async def get_channel(self, channel_id: str) -> Channel:
        await self._do("get_channel", channel_id)
        raise CallNotFound(channel_id)

    async def application_channel_ids(self, app: str) -> list[str]:
        await self._do("application_channel_ids", app)
        return []

    async def aclose(self) -> None:
        pass


@dataclass
class FakeLink:
    """A media link: what it is sent is what the caller hears (``sent``); the caller's
    audio is pushed with ``caller``. ``fail_open`` makes opening it fail."""

    on_audio: Callable[[bytes], None]
    sample_rate: int = 8000
    fail_open: bool = False
    sent: list[bytes] = field(default_factory=list)
    flushes: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    audio: asyncio.Event = field(default_factory=asyncio.Event)  # the caller hears us
    opened: bool = False

    async def open(self, expect_stasis_start: Callable[[str], asyncio.Future[None]]) -> None:
        if self.fail_open:
            raise MediaError("media channel never entered Stasis")
        await expect_stasis_start("guichet-media-fake")
        self.opened = True

    @property
    def alive(self) -> bool:
        return self.opened and not self.closed.is_set()

    async def wait_closed(self) -> None:
        await self.closed.wait()

    async def send(self, pcm: bytes) -> None:
        if self.closed.is_set():
            raise MediaError("media closed")
        self.sent.append(pcm)
        self.audio.set()

    async def flush(self) -> None:
        self.flushes += 1

    async def aclose(self) -> None:
        self.closed.set()

    def caller(self, pcm: bytes) -> None:
        self.on_audio(pcm)

    @property
    def heard_s(self) -> float:
        """How much audio the caller was sent, in seconds."""
        return sum(len(p) for p in self.sent) / 2 / self.sample_rate


class Links:
    """The link factory a session is given; keeps each link it made."""

    def __init__(self, *, fail_open: bool = False) -> None:
        self.made: list[FakeLink] = []
        self.fail_open = fail_open
        self._made_one = asyncio.Event()

    def __call__(
        self, call_id: str, link_id: str, on_audio: Callable[[bytes], None]
    ) -> tuple[FakeLink, asyncio.Future[None]]:
        link = FakeLink(on_audio, fail_open=self.fail_open)
        self.made.append(link)
        self._made_one.set()
        entered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entered.set_result(None)  # the media channel's StasisStart, at once
        return link, entered

    async def next(self, within_s: float) -> FakeLink:
        """The link the call opens next (or has just opened)."""
        async with asyncio.timeout(within_s):
            await self._made_one.wait()
        self._made_one.clear()
        return self.made[-1]


class CallHarness:
    """A real store (SQLite) and bus, the fake REST; sessions built on them."""

    def __init__(self, tmp_path: Path, timeouts: CallTimeouts | None = None) -> None:
        self.store: Store = open_store(f"sqlite:///{tmp_path / 'guichet.db'}")
        self.calls = CallRepository(self.store)
        self.cases = CaseRepository(self.store)
        self.bus = InMemoryBus()
        self.rest = FakeRest()
        self.links = Links()
        self.timeouts = timeouts or CallTimeouts(store_s=0.5, summary_s=0.5, ari_s=0.5)

    async def session(
        self,
        steps: Mapping[CallState, CallStep],
        call_id: str = "c1",
        caller: str = "+33612345678",
        *,
        resumed: bool = False,
    ) -> CallSession:
        record = await self.calls.create(call_id, caller, "3000", "fr")
        return CallSession(
            record,
            calls=self.calls,
            cases=self.cases,
            rest=self.rest,  # type: ignore[arg-type]
            bus=self.bus,
            steps=steps,
            links=self.links,  # type: ignore[arg-type]
            resumed=resumed,
            timeouts=self.timeouts,
        )

    def close(self) -> None:
        self.store.close()


def channel(channel_id: str, number: str = "0612345678") -> Channel:
    return Channel(channel_id, f"PJSIP/trunk-{channel_id}", "Up", Caller("", number), "3000", "fr")


def refused(message: str = "injected") -> AriError:
    return AriError(message)
