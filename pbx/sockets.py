"""The shape every long-lived socket to Asterisk has here (the ARI events websocket,
the AMI connection, a call's media websocket): connect; run the receiver and a
keepalive until the first of them ends, re-raising what ended it; close in
``finally``. :class:`ReconnectingSocket` adds "retry with backoff" and a resync on
every connect; the media websocket does not reconnect (when it drops, the bot's
part of the call is over) and uses :class:`Socket` alone.

A subclass says how to connect, receive, ping and close; this module owns the
tasks (:func:`guichet.tasks.until_first_ends` cancels and awaits them)."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

import websockets
from websockets.asyncio.client import ClientConnection

from guichet.tasks import until_first_ends

__all__ = [
    "WS_ERRORS",
    "Backoff",
    "ConnectedHandler",
    "DisconnectedHandler",
    "ReconnectingSocket",
    "Socket",
    "ws_ping",
    "ws_url",
]

C = TypeVar("C")
ConnectedHandler = Callable[[], Awaitable[None]]
DisconnectedHandler = Callable[[], None]

# what a websocket raises when the peer is gone, refuses, or does not answer
WS_ERRORS: tuple[type[Exception], ...] = (OSError, websockets.WebSocketException, TimeoutError)


def ws_url(base_url: str, path: str) -> str:
    """Asterisk's HTTP base (``http://127.0.0.1:8088``) and a path, as a websocket URL."""
    base = base_url.replace("http://", "ws://").replace("https://", "wss://")
    return f"{base}{path}"


async def ws_ping(ws: ClientConnection, timeout_s: float) -> None:
    """A ping whose pong must come back within ``timeout_s`` (TimeoutError if not):
    a half-open connection is noticed only this way."""
    pong = await ws.ping()
    await asyncio.wait_for(pong, timeout=timeout_s)


@dataclass(frozen=True)
class Backoff:
    """Delays between connection attempts: ``initial_s``, doubled after each failed
    attempt up to ``max_s``; back to ``initial_s`` once a connection is made."""

    initial_s: float = 0.5
    max_s: float = 10.0

    def after(self, delay_s: float) -> float:
        return min(delay_s * 2, self.max_s)


class Socket(ABC, Generic[C]):
    """One connection at a time, served by :meth:`serve_once`. ``C`` is whatever
    the transport calls a connection (a websocket, an AMI connection)."""

    name: ClassVar[str]  # for logs: "ARI events socket"

    def __init__(self, *, keepalive_s: float) -> None:
        self.keepalive_s = keepalive_s
        self.current: C | None = None  # while a connection is being served
        self.log = logging.getLogger(type(self).__module__)

    @abstractmethod
    async def connect(self) -> C:
        """Open and, where the protocol has one, log in; clean up after a failure."""

    @abstractmethod
    async def receive(self, connection: C) -> None:
        """Read until the connection ends (return) or fails (raise)."""

    @abstractmethod
    async def ping(self, connection: C) -> None:
        """Raise when the peer does not answer within :attr:`keepalive_s`."""

    @abstractmethod
    async def close(self, connection: C) -> None: ...

    async def opened(self, connection: C) -> None:
        """Runs beside the receiver once connected (a resync: events that arrive
        meanwhile are not lost). Nothing by default."""

    async def serve_once(self) -> None:
        """Connect, then receive and keep alive until the first of them ends; what
        ended it (a lost connection, a missed pong) is raised. Closes on the way out."""
        connection = await self.connect()
        self.current = connection
        try:
            await until_first_ends(
                self.receive(connection),
                self._keepalive(connection),
                beside=self.opened(connection),
            )
        finally:
            self.current = None
            await self.close(connection)

    async def _keepalive(self, connection: C) -> None:
        while True:
            await asyncio.sleep(self.keepalive_s)
            await self.ping(connection)


class ReconnectingSocket(Socket[C]):
    """Forever: connect, serve, and reconnect with backoff after a :attr:`transient`
    error (anything else is a bug and ends :meth:`run`). ``on_connected`` runs beside
    the receiver on every (re)connect; ``on_disconnected`` when a connection that was
    up ends. :attr:`connected` is set while one is."""

    transient: ClassVar[tuple[type[Exception], ...]]

    def __init__(
        self,
        on_connected: ConnectedHandler,
        *,
        backoff: Backoff,
        keepalive_s: float,
        on_disconnected: DisconnectedHandler | None = None,
    ) -> None:
        super().__init__(keepalive_s=keepalive_s)
        self.backoff = backoff
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._delay_s = backoff.initial_s
        self.connected = asyncio.Event()
        self.connections = 0

    async def opened(self, connection: C) -> None:
        self.connections += 1
        self.log.info("%s connected (%d)", self.name, self.connections)
        self._delay_s = self.backoff.initial_s
        self.connected.set()
        await self._on_connected()

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            try:
                await self.serve_once()
            except self.transient as exc:
                self.log.warning("%s: %s; retrying in %.1f s", self.name, exc, self._delay_s)
            finally:
                if self.connected.is_set():
                    self.connected.clear()
                    if self._on_disconnected is not None:
                        self._on_disconnected()
            await asyncio.sleep(self._delay_s)  # the backoff, not a synchronisation
            self._delay_s = self.backoff.after(self._delay_s)
