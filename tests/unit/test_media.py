"""The media link against a fake chan_websocket: the rate comes from MEDIA_START,
audio flows both ways, barge-in flushes, a hang-up ends the link quietly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from websockets import Subprotocol
from websockets.asyncio.server import Server, ServerConnection, serve

from guichet.tasks import cancel_and_wait
from pbx.errors import MediaError
from pbx.media import MEDIA_CHANNEL_PREFIX, MediaLink
from pbx.media.chan_websocket import slin_rate


@dataclass
class FakeAsterisk:
    """ARI's part (bridge, externalMedia) and chan_websocket's (``/media/<id>``)."""

    format: str = "slin16"
    calls: list[str] = field(default_factory=list)
    received: asyncio.Queue[bytes | str] = field(default_factory=asyncio.Queue)
    hang_up: asyncio.Event = field(default_factory=asyncio.Event)
    server: Server | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def media(self, ws: ServerConnection) -> None:
        assert ws.request is not None and ws.request.path == "/media/conn-1"
        assert ws.subprotocol == "media"
        start = {
            "event": "MEDIA_START",
            "connection_id": "conn-1",
            "channel_id": f"{MEDIA_CHANNEL_PREFIX}l1",
            "format": self.format,
            "optimal_frame_size": 640,
            "ptime": 20,
        }
        await ws.send(json.dumps(start))
        await ws.send(b"\x01\x00" * 320)  # the caller's first 20 ms

        async def echo() -> None:
            async for message in ws:
                await self.received.put(message)

        reader = asyncio.create_task(echo())
        try:
            await self.hang_up.wait()
        finally:
            await cancel_and_wait(reader)
            await ws.close()

    # --- AriRest, as far as MediaLink uses it ---
    async def create_bridge(self, bridge_id: str, name: str) -> None:
        self.calls.append(f"create_bridge {bridge_id}")

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        self.calls.append(f"add_to_bridge {bridge_id} {channel_id}")

    async def external_media_websocket(self, app: str, channel_id: str, audio_format: str) -> str:
        self.calls.append(f"external_media {channel_id} {audio_format}")
        return "conn-1"

    async def hangup(self, channel_id: str) -> None:
        self.calls.append(f"hangup {channel_id}")
        self.hang_up.set()

    async def destroy_bridge(self, bridge_id: str) -> None:
        self.calls.append(f"destroy_bridge {bridge_id}")


@pytest.fixture
async def asterisk() -> AsyncIterator[FakeAsterisk]:
    fake = FakeAsterisk()
    async with serve(fake.media, "127.0.0.1", 0, subprotocols=[Subprotocol("media")]) as server:
        fake.server = server
        yield fake
        fake.hang_up.set()


def _link(asterisk: FakeAsterisk, heard: list[bytes]) -> MediaLink:
    return MediaLink(
        asterisk,  # type: ignore[arg-type]
        app="guichet",
        ari_base_url=asterisk.base_url,
        call_id="call-1",
        link_id="l1",
        on_audio=heard.append,
    )


def _entered(_channel_id: str) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)  # the media channel's StasisStart, at once
    return future


async def test_the_rate_is_the_one_media_start_announces(asterisk: FakeAsterisk) -> None:
    heard: list[bytes] = []
    link = _link(asterisk, heard)
    with pytest.raises(MediaError, match="not open"):
        _ = link.sample_rate
    await link.open(_entered)
    try:
        assert link.sample_rate == 16000
        assert link.media_channel_id == "guichet-media-l1"
        assert asterisk.calls[:4] == [
            "create_bridge guichet-l1",
            "add_to_bridge guichet-l1 call-1",
            "external_media guichet-media-l1 slin",
            "add_to_bridge guichet-l1 guichet-media-l1",
        ]
        await link.send(b"\x00\x00" * 320)
        assert await asyncio.wait_for(asterisk.received.get(), 5) == b"\x00\x00" * 320
        await link.flush()  # barge-in: what Asterisk queued is dropped
        command = await asyncio.wait_for(asterisk.received.get(), 5)
        assert json.loads(command) == {"command": "FLUSH_MEDIA"}
        assert heard[:1] == [b"\x01\x00" * 320]
    finally:
        await link.aclose()
    assert not link.alive
    assert asterisk.calls[-2:] == ["hangup guichet-media-l1", "destroy_bridge guichet-l1"]


async def test_a_hang_up_ends_the_media_without_an_error(asterisk: FakeAsterisk) -> None:
    link = _link(asterisk, [])
    await link.open(_entered)
    try:
        asterisk.hang_up.set()  # the caller hung up: Asterisk closes the websocket
        await asyncio.wait_for(link.wait_closed(), 5)
        assert not link.alive
        with pytest.raises(MediaError):
            await link.send(b"\x00\x00")
    finally:
        await link.aclose()


async def test_media_that_is_not_signed_linear_is_refused(asterisk: FakeAsterisk) -> None:
    asterisk.format = "ulaw"
    link = _link(asterisk, [])
    try:
        with pytest.raises(MediaError, match="not signed linear"):
            await link.open(_entered)
    finally:
        await link.aclose()


def test_signed_linear_rates() -> None:
    assert slin_rate("slin") == 8000
    assert slin_rate("slin16") == 16000
    assert slin_rate("slin44") == 44100
    assert slin_rate("slin48") == 48000
    with pytest.raises(MediaError):
        slin_rate("alaw")
