"""ARI events typed, and the events websocket against a small fake Asterisk."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve

from guichet.tasks import TaskOwner
from pbx.ari.events import (
    AriEvent,
    ChannelDtmfReceived,
    PlaybackFinished,
    StasisEnd,
    StasisStart,
    parse_event,
)
from pbx.ari.socket import AriEventSocket

CHANNEL = {
    "id": "1700000000.1",
    "name": "PJSIP/trunk-00000001",
    "state": "Ring",
    "caller": {"name": "", "number": "+33612345678"},
    "dialplan": {"context": "from-trunk", "exten": "3000", "priority": 3},
    "language": "fr",
}


def test_stasis_start_is_typed() -> None:
    event = parse_event(
        {"type": "StasisStart", "application": "guichet", "args": [], "channel": CHANNEL}
    )
    assert isinstance(event, StasisStart)
    assert event.channel.id == "1700000000.1"
    assert event.channel.caller.number == "+33612345678"
    assert event.channel.dialplan_exten == "3000"
    assert event.channel_id == "1700000000.1"


def test_dtmf_and_end() -> None:
    dtmf = parse_event(
        {
            "type": "ChannelDtmfReceived",
            "application": "g",
            "digit": "0",
            "duration_ms": 120,
            "channel": CHANNEL,
        }
    )
    assert isinstance(dtmf, ChannelDtmfReceived) and dtmf.digit == "0" and dtmf.duration_ms == 120
    assert isinstance(
        parse_event({"type": "StasisEnd", "application": "g", "channel": CHANNEL}), StasisEnd
    )


def test_playback_event_knows_its_channel() -> None:
    event = parse_event(
        {
            "type": "PlaybackFinished",
            "application": "g",
            "playback": {
                "id": "p1",
                "media_uri": "sound:hello-world",
                "target_uri": "channel:1700000000.1",
                "state": "done",
            },
        }
    )
    assert isinstance(event, PlaybackFinished)
    assert event.channel_id == "1700000000.1"


def test_unknown_or_malformed_events_are_kept_raw() -> None:
    event = parse_event({"type": "BridgeCreated", "application": "g", "bridge": {}})
    assert type(event) is AriEvent and event.type == "BridgeCreated"
    broken = parse_event({"type": "StasisStart", "application": "g"})  # no channel
    assert type(broken) is AriEvent


async def test_the_events_socket_delivers_typed_events_and_reconnects() -> None:
    """Asterisk sends an event and a line that is not JSON, then goes away: the
    event arrives typed, the junk is skipped, and the socket connects again."""
    requests: list[str] = []

    async def asterisk(ws: ServerConnection) -> None:
        assert ws.request is not None
        requests.append(ws.request.path)
        await ws.send("not json")
        await ws.send(json.dumps({"type": "StasisStart", "application": "g", "channel": CHANNEL}))
        await ws.close()

    events: asyncio.Queue[AriEvent] = asyncio.Queue()
    connects: asyncio.Queue[int] = asyncio.Queue()
    async with serve(asterisk, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]

        async def on_event(event: AriEvent) -> None:
            await events.put(event)

        async def on_connected() -> None:
            await connects.put(socket.connections)

        socket = AriEventSocket(
            f"http://127.0.0.1:{port}",
            "g",
            "u",
            "p",
            on_event,
            on_connected,
            initial_backoff_s=0.01,
        )
        owner = TaskOwner("test")
        owner.spawn(socket.run(), "ari")
        try:
            assert await asyncio.wait_for(connects.get(), 5) == 1
            first = await asyncio.wait_for(events.get(), 5)
            assert isinstance(first, StasisStart) and first.channel.id == CHANNEL["id"]
            assert await asyncio.wait_for(connects.get(), 5) == 2
        finally:
            await owner.aclose()
    url = urlsplit(requests[0])
    assert url.path == "/ari/events"
    assert parse_qs(url.query) == {"app": ["g"], "api_key": ["u:p"], "subscribeAll": ["false"]}
