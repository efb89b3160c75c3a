"""The ARI events websocket: a :class:`~pbx.sockets.ReconnectingSocket` that hands
every event, typed, to the call controller and resyncs on every (re)connect."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import websockets
from websockets.asyncio.client import ClientConnection

from pbx.ari.events import AriEvent, parse_event
from pbx.sockets import WS_ERRORS, Backoff, ConnectedHandler, ReconnectingSocket, ws_ping, ws_url

EventHandler = Callable[[AriEvent], Awaitable[None]]


class AriEventSocket(ReconnectingSocket[ClientConnection]):
    name = "ARI events socket"
    transient = WS_ERRORS

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
        super().__init__(
            on_connected,
            backoff=Backoff(initial_backoff_s, max_backoff_s),
            keepalive_s=keepalive_s,
        )
        query = urlencode({"app": app, "api_key": f"{user}:{password}", "subscribeAll": "false"})
        self._url = ws_url(base_url, f"/ari/events?{query}")
        self._on_event = on_event

    async def connect(self) -> ClientConnection:
        # our keepalive, not the library's: its missed pong must end the connection
        # the same way for ARI, AMI and media
        return await websockets.connect(
            self._url, ping_interval=None, open_timeout=5, max_size=2**22
        )

    async def receive(self, connection: ClientConnection) -> None:
        async for message in connection:
            try:
                raw = json.loads(message)
            except ValueError:
                self.log.warning("ARI sent a message that is not JSON; ignored")
                continue
            await self._on_event(parse_event(raw))

    async def ping(self, connection: ClientConnection) -> None:
        await ws_ping(connection, self.keepalive_s)

    async def close(self, connection: ClientConnection) -> None:
        await connection.close()
