"""The reconnecting-socket base on a scripted transport: every connection is served
(receive + keepalive), closed, and retried with backoff after a transient error;
a bug ends it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from guichet.tasks import TaskOwner
from pbx.sockets import Backoff, ReconnectingSocket


@dataclass
class FakeConnection:
    number: int
    inbox: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    frozen: bool = False  # answers no ping
    closed: bool = False


class FakeSocket(ReconnectingSocket[FakeConnection]):
    """Connect attempts follow ``script``: "refuse" raises, "serve" connects."""

    name = "fake socket"
    transient = (ConnectionError, TimeoutError)

    def __init__(self, script: list[str], *, keepalive_s: float = 60.0) -> None:
        super().__init__(
            self._resync,
            backoff=Backoff(0.001, 0.004),
            keepalive_s=keepalive_s,
            on_disconnected=lambda: self.log_.append("disconnected"),
        )
        self.script = script
        self.log_: list[str] = []
        self.served: list[FakeConnection] = []
        self.ready: asyncio.Queue[FakeConnection] = asyncio.Queue()

    async def _resync(self) -> None:
        assert self.current is not None  # actions can go out during the resync
        self.log_.append(f"resync {self.current.number}")
        await self.ready.put(self.current)

    async def connect(self) -> FakeConnection:
        attempt = self.script.pop(0) if self.script else "serve"
        if attempt == "refuse":
            self.log_.append("refused")
            raise ConnectionRefusedError("refused")
        connection = FakeConnection(len(self.served) + 1)
        self.served.append(connection)
        return connection

    async def receive(self, connection: FakeConnection) -> None:
        while (message := await connection.inbox.get()) is not None:
            if message == "bug":
                raise ValueError("a bug in a handler")
            self.log_.append(f"got {message}")
        raise ConnectionResetError("lost")

    async def ping(self, connection: FakeConnection) -> None:
        if connection.frozen:
            raise TimeoutError("no pong")

    async def close(self, connection: FakeConnection) -> None:
        connection.closed = True


def test_backoff_doubles_up_to_its_ceiling() -> None:
    backoff = Backoff(0.5, 3.0)
    delays = [backoff.initial_s]
    for _ in range(4):
        delays.append(backoff.after(delays[-1]))
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]


async def test_retries_serves_resyncs_and_reconnects_after_a_loss() -> None:
    socket = FakeSocket(["refuse", "refuse", "serve"])
    owner = TaskOwner("test")
    runner = owner.spawn(socket.run(), "socket")
    try:
        first = await asyncio.wait_for(socket.ready.get(), 5)
        assert socket.connected.is_set() and socket.connections == 1
        first.inbox.put_nowait("hello")
        first.inbox.put_nowait(None)  # the peer goes away
        second = await asyncio.wait_for(socket.ready.get(), 5)
        assert first.closed and not second.closed
        assert socket.connections == 2
    finally:
        await owner.aclose()
    assert runner.cancelled()
    assert second.closed and not socket.connected.is_set()
    assert socket.log_ == [
        "refused",
        "refused",
        "resync 1",
        "got hello",
        "disconnected",
        "resync 2",
        "disconnected",  # cancelled while up
    ]


async def test_a_missed_pong_ends_the_connection() -> None:
    socket = FakeSocket([], keepalive_s=0.01)
    owner = TaskOwner("test")
    owner.spawn(socket.run(), "socket")
    try:
        first = await asyncio.wait_for(socket.ready.get(), 5)
        first.frozen = True
        await asyncio.wait_for(socket.ready.get(), 5)
        assert first.closed and socket.connections == 2
    finally:
        await owner.aclose()


async def test_a_bug_is_not_retried() -> None:
    socket = FakeSocket([])
    owner = TaskOwner("test")
    runner = owner.spawn(socket.run(), "socket")
    try:
        connection = await asyncio.wait_for(socket.ready.get(), 5)
        connection.inbox.put_nowait("bug")
        with pytest.raises(ValueError, match="a bug"):
            await asyncio.wait_for(asyncio.shield(runner), 5)
    finally:
        await owner.aclose()
    assert connection.closed and socket.connections == 1
    assert owner.errors and isinstance(owner.errors[0], ValueError)
