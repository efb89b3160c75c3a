"""Media over chan_websocket (ARI externalMedia, ``transport=websocket``,
``connection_type=server``): Guichet connects to Asterisk's HTTP server at
``/media/<connection id>``.

Asterisk re-frames what we send and plays it out at its own pace; when we send
nothing, the caller receives no RTP at all (measured: the caller's decoded audio
has gaps while the bot is silent), so callers' jitter buffers see speech bursts.
What is queued but not yet played can be taken back with ``FLUSH_MEDIA``: that is
what makes barge-in immediate on the caller's side too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import websockets
from websockets.asyncio.client import ClientConnection

from guichet.tasks import until_first_ends
from pbx.errors import MediaError

log = logging.getLogger(__name__)

SUBPROTOCOL = "media"


@dataclass(frozen=True)
class MediaStart:
    connection_id: str
    channel_id: str
    format: str
    optimal_frame_size: int
    ptime_ms: int

    @property
    def sample_rate(self) -> int:
        return {"slin": 8000, "slin16": 16000, "ulaw": 8000, "alaw": 8000}.get(self.format, 8000)


class ChanWebSocketMedia:
    """One externalMedia channel's audio, both ways.

    ``run()`` connects, then receives until the channel goes away; audio frames go
    to ``on_audio``. Sending is allowed once :attr:`started` is set.
    """

    def __init__(
        self,
        base_url: str,
        connection_id: str,
        on_audio: Callable[[bytes], None],
        *,
        open_timeout_s: float = 5.0,
        keepalive_s: float = 10.0,
    ) -> None:
        ws_base = base_url.replace("http://", "ws://").replace("https://", "wss://")
        self.url = f"{ws_base}/media/{connection_id}"
        self.connection_id = connection_id
        self._on_audio = on_audio
        self._open_timeout = open_timeout_s
        self._keepalive = keepalive_s
        self._ws: ClientConnection | None = None
        self.started = asyncio.Event()
        self.media: MediaStart | None = None
        self.bytes_in = 0
        self.bytes_out = 0

    async def run(self) -> None:
        try:
            ws = await websockets.connect(
                self.url,
                subprotocols=[websockets.Subprotocol(SUBPROTOCOL)],
                open_timeout=self._open_timeout,
                ping_interval=None,
                max_size=2**20,
            )
        except (OSError, websockets.WebSocketException, TimeoutError) as exc:
            raise MediaError(f"media websocket {self.connection_id}: {exc}") from exc
        self._ws = ws
        try:
            await until_first_ends(self._receive(ws), self._keepalive_loop(ws))
        except websockets.ConnectionClosed:
            pass  # the channel hung up: the normal end of a call's media
        finally:
            self._ws = None
            await ws.close()

    async def _receive(self, ws: ClientConnection) -> None:
        async for message in ws:
            if isinstance(message, bytes):
                self.bytes_in += len(message)
                self._on_audio(message)
            else:
                self._control(message)

    def _control(self, message: str) -> None:
        try:
            event = json.loads(message)
        except ValueError:
            log.debug("media %s: non-JSON control message ignored", self.connection_id)
            return
        if event.get("event") == "MEDIA_START":
            self.media = MediaStart(
                connection_id=str(event.get("connection_id", self.connection_id)),
                channel_id=str(event.get("channel_id", "")),
                format=str(event.get("format", "slin16")),
                optimal_frame_size=int(event.get("optimal_frame_size", 640)),
                ptime_ms=int(event.get("ptime", 20)),
            )
            self.started.set()

    async def _keepalive_loop(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self._keepalive)
            pong = await ws.ping()
            await asyncio.wait_for(pong, timeout=self._keepalive)

    async def send_audio(self, pcm: bytes) -> None:
        ws = self._require()
        try:
            await ws.send(pcm)
        except websockets.ConnectionClosed as exc:
            raise MediaError(f"media {self.connection_id} closed") from exc
        self.bytes_out += len(pcm)

    async def command(self, command: str, **params: str) -> None:
        ws = self._require()
        try:
            await ws.send(json.dumps({"command": command, **params}))
        except websockets.ConnectionClosed as exc:
            raise MediaError(f"media {self.connection_id} closed") from exc

    async def flush(self) -> None:
        """Drop what Asterisk queued and has not played yet (barge-in)."""
        await self.command("FLUSH_MEDIA")

    def _require(self) -> ClientConnection:
        if self._ws is None or not self.started.is_set():
            raise MediaError(f"media {self.connection_id} not started")
        return self._ws
