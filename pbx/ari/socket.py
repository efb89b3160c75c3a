"""The ARI events websocket, with the shape every long-lived socket has here:
connect; run receive and keepalive; stop when the first ends; close in
``finally``; retry with backoff."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import websockets
from websockets.asyncio.client import ClientConnection

from guichet.tasks import until_first_ends
from pbx.ari.events import AriEvent, parse_event

log = logging.getLogger(__name__)

EventHandler = Callable[[AriEvent], Awaitable[None]]
ConnectedHandler = Callable[[], Awaitable[None]]


class AriEventSocket:
    def __init__(
        self,
        base_url: str,
        app: str,
        user: str,
        password: str,
        on_event: EventHandler,
        on_connected: ConnectedHandler,
        *,
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        keepalive_s: float = 10.0,
    ) -> None:
        ws_base = base_url.replace("http://", "ws://").replace("https://", "wss://")
        query = urlencode({"app": app, "api_key": f"{user}:{password}", "subscribeAll": "false"})
        self._url = f"{ws_base}/ari/events?{query}"
        self._on_event = on_event
        self._on_connected = on_connected
        self._initial_backoff = initial_backoff_s
        self._max_backoff = max_backoff_s
        self._keepalive = keepalive_s
        self.connected = asyncio.Event()
        self.connections = 0

    async def run(self) -> None:
        """Forever: connect, serve, and reconnect with backoff. Cancel to stop."""
        backoff = self._initial_backoff
        while True:
            try:
                async with websockets.connect(
                    self._url, ping_interval=None, open_timeout=5, max_size=2**22
                ) as ws:
                    backoff = self._initial_backoff
                    await self._serve(ws)
            except asyncio.CancelledError:
                raise
            except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                log.warning("ARI events socket: %s; retrying in %.1f s", exc, backoff)
            finally:
                self.connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def _serve(self, ws: ClientConnection) -> None:
        self.connections += 1
        log.info("ARI events socket connected (%d)", self.connections)
        self.connected.set()
        try:
            # resync runs beside the receiver: events that arrive meanwhile are not lost
            await until_first_ends(
                self._receive(ws), self._keepalive_loop(ws), beside=self._on_connected()
            )
        finally:
            await ws.close()

    async def _receive(self, ws: ClientConnection) -> None:
        async for message in ws:
            try:
                raw = json.loads(message)
            except ValueError:
                log.warning("ARI sent a message that is not JSON; ignored")
                continue
            await self._on_event(parse_event(raw))

    async def _keepalive_loop(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self._keepalive)
            pong = await ws.ping()
            await asyncio.wait_for(pong, timeout=self._keepalive)
