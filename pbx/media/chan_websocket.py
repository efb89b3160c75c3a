"""Media over chan_websocket (ARI externalMedia, ``transport=websocket``,
``connection_type=server``): Guichet connects to Asterisk's HTTP server at
``/media/<connection id>``.

Asterisk re-frames what we send and plays it out at its own pace; when we send
nothing, the caller receives no RTP at all (measured: the caller's decoded audio
has gaps while the bot is silent), so callers' jitter buffers see speech bursts.
What is queued but not yet played can be taken back with ``FLUSH_MEDIA``: that is
what makes barge-in immediate on the caller's side too.

The websocket has the shape of our other sockets (:class:`pbx.sockets.Socket`) but
does not reconnect: Asterisk accepts one connection per externalMedia channel, and
when it drops the bot's part of the call is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import websockets
from websockets.asyncio.client import ClientConnection

from pbx.errors import MediaError
from pbx.sockets import WS_ERRORS, Socket, ws_ping, ws_url

log = logging.getLogger(__name__)

SUBPROTOCOL = "media"


# Asterisk's signed-linear formats: "slin" is 8 kHz, "slin16" 16 kHz, "slin44" 44.1 kHz
_SLIN = re.compile(r"slin(\d*)")


def slin_rate(audio_format: str) -> int:
    """The sample rate of a signed-linear format name; MediaError for any other
    format (the bytes would not be 16-bit PCM)."""
    match = _SLIN.fullmatch(audio_format)
    if match is None:
        raise MediaError(f"media format {audio_format!r} is not signed linear")
    khz = int(match.group(1) or 8)
    return 44100 if khz == 44 else khz * 1000


@dataclass(frozen=True)
class MediaStart:
    """Asterisk's first message on the media websocket: what the audio is."""

    connection_id: str
    channel_id: str
    format: str
    optimal_frame_size: int
    ptime_ms: int

    @property
    def sample_rate(self) -> int:
        return slin_rate(self.format)


class ChanWebSocketMedia(Socket[ClientConnection]):
    """One externalMedia channel's audio, both ways.

    ``run()`` connects, then receives until the channel goes away; audio frames go
    to ``on_audio``. Sending is allowed once :attr:`started` is set (the format is
    then in :attr:`media`).
    """

    name = "media websocket"

    def __init__(
        self,
        base_url: str,
        connection_id: str,
        on_audio: Callable[[bytes], None],
        *,
        open_timeout_s: float = 5.0,
        keepalive_s: float = 10.0,
    ) -> None:
        super().__init__(keepalive_s=keepalive_s)
        self.url = ws_url(base_url, f"/media/{connection_id}")
        self.connection_id = connection_id
        self._on_audio = on_audio
        self._open_timeout = open_timeout_s
        self.started = asyncio.Event()
        self.media: MediaStart | None = None

    async def run(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            # the channel hung up: the normal end of a call's media
            await self.serve_once()

    async def connect(self) -> ClientConnection:
        try:
            return await websockets.connect(
                self.url,
                subprotocols=[websockets.Subprotocol(SUBPROTOCOL)],
                open_timeout=self._open_timeout,
                ping_interval=None,
                max_size=2**20,
            )
        except WS_ERRORS as exc:
            raise MediaError(f"media websocket {self.connection_id}: {exc}") from exc

    async def receive(self, connection: ClientConnection) -> None:
        async for message in connection:
            if isinstance(message, bytes):
                self._on_audio(message)
            else:
                self._control(message)

    async def ping(self, connection: ClientConnection) -> None:
        await ws_ping(connection, self.keepalive_s)

    async def close(self, connection: ClientConnection) -> None:
        await connection.close()

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

    async def send_audio(self, pcm: bytes) -> None:
        ws = self._require()
        try:
            await ws.send(pcm)
        except websockets.ConnectionClosed as exc:
            raise MediaError(f"media {self.connection_id} closed") from exc

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
        if self.current is None or not self.started.is_set():
            raise MediaError(f"media {self.connection_id} not started")
        return self.current
