"""The caller's audio, both ways: the caller's channel in a mixing bridge with a
chan_websocket externalMedia channel whose websocket Guichet holds.

The externalMedia channel enters the Stasis application on its own; it may join
the bridge only after its StasisStart (earlier, Asterisk answers 422), so the
owner of the call hands that event over through ``expect_stasis_start``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from guichet.tasks import TaskOwner, cancel_and_wait
from pbx.ari.rest import AriRest
from pbx.errors import AriError, MediaError
from pbx.media.chan_websocket import ChanWebSocketMedia

# what we ask Asterisk for; the rate we then use is the one its MEDIA_START announces
AUDIO_FORMAT = "slin"  # 8 kHz: the caller's line is G.711 anyway
SETUP_TIMEOUT_S = 5.0
# every media channel's id starts so: the call controller tells them from callers
MEDIA_CHANNEL_PREFIX = "guichet-media-"
_BRIDGE_PREFIX = "guichet-"

ExpectStasisStart = Callable[[str], "asyncio.Future[None]"]


class MediaLink:
    def __init__(
        self,
        rest: AriRest,
        *,
        app: str,
        ari_base_url: str,
        call_id: str,
        link_id: str,
        on_audio: Callable[[bytes], None],
    ) -> None:
        self.rest = rest
        self.app = app
        self.ari_base_url = ari_base_url
        self.call_id = call_id
        self.bridge_id = _BRIDGE_PREFIX + link_id
        self.media_channel_id = MEDIA_CHANNEL_PREFIX + link_id
        self._on_audio = on_audio
        self._tasks = TaskOwner(f"media-{link_id}")
        self._runner: asyncio.Task[None] | None = None
        self.media: ChanWebSocketMedia | None = None
        self._sample_rate: int | None = None

    async def open(self, expect_stasis_start: ExpectStasisStart) -> None:
        """Bridge the caller with a new media channel and connect its websocket."""
        await self.rest.create_bridge(self.bridge_id, name=f"guichet {self.call_id}")
        await self.rest.add_to_bridge(self.bridge_id, self.call_id)
        entered = expect_stasis_start(self.media_channel_id)
        connection_id = await self.rest.external_media_websocket(
            self.app, self.media_channel_id, AUDIO_FORMAT
        )
        media = ChanWebSocketMedia(self.ari_base_url, connection_id, self._on_audio)
        self.media = media
        self._runner = self._tasks.spawn(media.run(), "websocket")
        try:
            await asyncio.wait_for(asyncio.shield(entered), SETUP_TIMEOUT_S)
        except TimeoutError as exc:
            raise MediaError(f"media channel of call {self.call_id} never entered Stasis") from exc
        await self.rest.add_to_bridge(self.bridge_id, self.media_channel_id)
        started = asyncio.ensure_future(media.started.wait())
        try:
            done, _ = await asyncio.wait(
                {started, self._runner}, timeout=SETUP_TIMEOUT_S, return_when="FIRST_COMPLETED"
            )
        finally:
            await cancel_and_wait(started)
        if not media.started.is_set() or media.media is None:
            if self._runner in done:
                self._runner.result()  # raises the connection error
            raise MediaError(f"media of call {self.call_id} did not start")
        self._sample_rate = media.media.sample_rate  # MediaError unless signed linear

    @property
    def sample_rate(self) -> int:
        """The audio's rate both ways, as Asterisk's MEDIA_START announced it."""
        if self._sample_rate is None:
            raise MediaError(f"media of call {self.call_id} not open")
        return self._sample_rate

    @property
    def alive(self) -> bool:
        return self._runner is not None and not self._runner.done()

    async def wait_closed(self) -> None:
        if self._runner is not None:
            await asyncio.wait({self._runner})

    async def send(self, pcm: bytes) -> None:
        if self.media is None:
            raise MediaError(f"media of call {self.call_id} not open")
        await self.media.send_audio(pcm)

    async def flush(self) -> None:
        """Drop what Asterisk has queued and not played yet (barge-in)."""
        if self.media is not None and self.alive:
            with contextlib.suppress(MediaError):
                await self.media.flush()

    async def aclose(self) -> None:
        with contextlib.suppress(AriError):
            await self.rest.hangup(self.media_channel_id)
        await self._tasks.aclose()
        with contextlib.suppress(AriError):
            await self.rest.destroy_bridge(self.bridge_id)

    @classmethod
    async def discard(cls, rest: AriRest, link_id: str) -> None:
        """Remove what a previous controller left of a link (after a restart)."""
        with contextlib.suppress(AriError):
            await rest.hangup(MEDIA_CHANNEL_PREFIX + link_id)
        with contextlib.suppress(AriError):
            await rest.destroy_bridge(_BRIDGE_PREFIX + link_id)
