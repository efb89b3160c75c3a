"""A stand-in for Asterisk's side of a media link: the few ARI requests a
:class:`~pbx.media.link.MediaLink` makes, and chan_websocket's ``/media/<id>``
websocket, which records what Guichet sends and when it arrived."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from websockets import Subprotocol
from websockets.asyncio.server import Server, ServerConnection, serve

CONNECTION_ID = "conn-1"


@dataclass
class Received:
    at: float  # time.monotonic() on arrival
    data: bytes | str

    @property
    def is_audio(self) -> bool:
        return isinstance(self.data, bytes)

    @property
    def is_silence(self) -> bool:
        return isinstance(self.data, bytes) and not any(self.data)

    @property
    def command(self) -> str | None:
        if isinstance(self.data, bytes):
            return None
        return str(json.loads(self.data).get("command"))


@dataclass
class FakeChanWebSocket:
    """ARI's part (bridge, externalMedia) and chan_websocket's (``/media/<id>``)."""

    format: str = "slin"
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    hang_up: asyncio.Event = field(default_factory=asyncio.Event)
    server: Server | None = None
    # the ARI requests on channels, in order: ("start_silence", "call-1"), ("hangup", …)
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def media(self, ws: ServerConnection) -> None:
        start = {
            "event": "MEDIA_START",
            "connection_id": CONNECTION_ID,
            "channel_id": "guichet-media-l1",
            "format": self.format,
            "optimal_frame_size": 320,
            "ptime": 20,
        }
        await ws.send(json.dumps(start))

        async def record() -> None:
            async for message in ws:
                self.received.append(Received(time.monotonic(), message))
                self.arrived.set()

        reader = asyncio.create_task(record())
        try:
            await self.hang_up.wait()
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await ws.close()

    async def wait_for(self, count: int, within_s: float) -> None:
        """Until ``count`` messages in all have arrived."""
        async with asyncio.timeout(within_s):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

    # --- AriRest, as far as MediaLink uses it ---
    async def create_bridge(self, bridge_id: str, name: str) -> None:
        pass

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        pass

    async def external_media_websocket(self, app: str, channel_id: str, audio_format: str) -> str:
        return CONNECTION_ID

    async def hangup(self, channel_id: str) -> None:
        self.requests.append(("hangup", channel_id))
        self.hang_up.set()

    async def start_silence(self, channel_id: str) -> None:
        self.requests.append(("start_silence", channel_id))

    async def stop_silence(self, channel_id: str) -> None:
        self.requests.append(("stop_silence", channel_id))

    async def destroy_bridge(self, bridge_id: str) -> None:
        pass


@asynccontextmanager
async def fake_chan_websocket() -> AsyncIterator[FakeChanWebSocket]:
    fake = FakeChanWebSocket()
    async with serve(fake.media, "127.0.0.1", 0, subprotocols=[Subprotocol("media")]) as server:
        fake.server = server
        try:
            yield fake
        finally:
            fake.hang_up.set()
