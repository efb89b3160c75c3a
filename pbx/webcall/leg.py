"""A web call's leg in Asterisk: a chan_websocket externalMedia channel that enters
the ``guichet`` ARI application as a caller of its own, already answered and already
TRANSFERRING to a queue (its row is written before the channel exists), so the call
controller routes it like a phone call handed over by the voicebot: the case summary,
``GUICHET_CASE``, the queue's extension. Guichet holds the channel's websocket: the
visitor's audio goes in, the person's comes out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from guichet.tasks import TaskOwner, cancel_and_wait
from guichet.webcall import WebCallUnavailable
from pbx.ari.rest import AriRest
from pbx.errors import AriError, MediaError
from pbx.media.chan_websocket import ChanWebSocketMedia

__all__ = ["WEB_CHANNEL_PREFIX", "AsteriskLeg"]

log = logging.getLogger(__name__)

# every web call leg's channel id starts so (not the media links' prefix: the
# controller takes these as callers)
WEB_CHANNEL_PREFIX = "guichet-web-"
AUDIO_FORMAT = "slin16"  # the visitor's browser audio is wideband: keep it so
SETUP_TIMEOUT_S = 5.0


class AsteriskLeg:
    """Implements :class:`guichet.webcall.WebCallLeg`."""

    def __init__(self, rest: AriRest, channel_id: str, queue: str) -> None:
        self.rest = rest
        self._channel_id = channel_id
        self._queue = queue
        self._media: ChanWebSocketMedia | None = None
        self._runner: asyncio.Task[None] | None = None
        self._tasks = TaskOwner(f"web-leg-{channel_id}")
        self._rate = 16000

    @property
    def call_id(self) -> str:
        return self._channel_id

    @property
    def queue(self) -> str:
        return self._queue

    @property
    def sample_rate(self) -> int:
        return self._rate

    async def open(self, app: str, ari_base_url: str, on_audio: Callable[[bytes], None]) -> None:
        try:
            connection_id = await self.rest.external_media_websocket(
                app, self._channel_id, AUDIO_FORMAT
            )
        except AriError as exc:
            raise WebCallUnavailable(f"Asterisk refused the web call's leg: {exc}") from exc
        media = ChanWebSocketMedia(ari_base_url, connection_id, on_audio)
        self._media = media
        self._runner = self._tasks.spawn(media.run(), "websocket")
        started = asyncio.ensure_future(media.started.wait())
        try:
            await asyncio.wait(
                {started, self._runner}, timeout=SETUP_TIMEOUT_S, return_when="FIRST_COMPLETED"
            )
        finally:
            await cancel_and_wait(started)
        if media.media is None:
            if self._runner.done() and self._runner.exception() is not None:
                raise WebCallUnavailable(f"web call leg: {self._runner.exception()}")
            raise WebCallUnavailable("the web call's media did not start")
        self._rate = media.media.sample_rate

    async def send(self, pcm: bytes) -> None:
        if self._media is None:
            raise MediaError(f"web leg {self._channel_id} not open")
        await self._media.send_audio(pcm)

    async def wait_closed(self) -> None:
        if self._runner is not None:
            await asyncio.wait({self._runner})

    async def aclose(self) -> None:
        with contextlib.suppress(AriError):
            await self.rest.hangup(self._channel_id)
        await self._tasks.aclose()
