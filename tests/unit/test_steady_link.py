"""The call's media link keeps the caller's RTP flowing: against a fake chan_websocket,
silence goes out every 20 ms while there is nothing to say, speech never waits behind
it (the queued silence is flushed first), and silence comes back when speech ends."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import numpy as np
import pytest

from pbx.calls.steady_link import SteadyLink
from tests.support.fake_chan_websocket import FakeChanWebSocket, Received, fake_chan_websocket
from voicebot.stages.output import Pacer

FRAME_S = 0.02
MAX_GAP_S = 0.1  # what the caller may go without a packet
WITHIN_S = 5.0
SPEECH = (np.full(160, 3000, dtype=np.int16)).tobytes()  # 20 ms at 8 kHz, not silence


@pytest.fixture
async def asterisk() -> AsyncIterator[FakeChanWebSocket]:
    async with fake_chan_websocket() as fake:
        yield fake


@pytest.fixture
async def link(asterisk: FakeChanWebSocket) -> AsyncIterator[SteadyLink]:
    steady = SteadyLink(
        asterisk,  # type: ignore[arg-type]
        app="guichet",
        ari_base_url=asterisk.base_url,
        call_id="call-1",
        link_id="l1",
        on_audio=lambda _pcm: None,
    )

    def entered(_channel_id: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)  # the media channel's StasisStart, at once
        return future

    await steady.open(entered)
    try:
        yield steady
    finally:
        await steady.aclose()


def gaps(messages: list[Received]) -> list[float]:
    audio = [m.at for m in messages if m.is_audio]
    return [b - a for a, b in itertools.pairwise(audio)]


async def speak(link: SteadyLink, frames: int) -> None:
    """Speech as the voicebot's output stage sends it: one frame every 20 ms."""
    pacer = Pacer()
    for _ in range(frames):
        await link.send(SPEECH)
        await pacer.wait(FRAME_S)


async def test_silence_flows_while_there_is_nothing_to_say(
    asterisk: FakeChanWebSocket, link: SteadyLink
) -> None:
    await asterisk.wait_for(25, WITHIN_S)
    first = asterisk.received[:25]
    assert all(m.is_silence for m in first)
    assert {len(m.data) for m in first} == {320}  # 20 ms at the link's 8 kHz
    assert max(gaps(first)) < MAX_GAP_S
    # paced, not a burst: 25 frames take about half a second
    assert first[-1].at - first[0].at > 0.7 * 24 * FRAME_S


async def test_speech_does_not_wait_behind_the_silence(
    asterisk: FakeChanWebSocket, link: SteadyLink
) -> None:
    await asterisk.wait_for(5, WITHIN_S)
    await speak(link, 10)
    await asterisk.wait_for(len(asterisk.received) + 10, WITHIN_S)  # silence again after
    messages = asterisk.received
    start = next(i for i, m in enumerate(messages) if m.is_audio and not m.is_silence)
    # the silence still queued in Asterisk is dropped before the first word
    assert messages[start - 1].command == "FLUSH_MEDIA"
    spoken = messages[start : start + 10]
    assert all(m.is_audio and not m.is_silence for m in spoken)  # no silence in between
    after = messages[start + 10 :]
    assert after and all(m.is_silence for m in after)
    assert max(gaps(messages[start - 2 :])) < MAX_GAP_S  # nor a gap on either side


async def test_silence_comes_back_after_a_barge_in(
    asterisk: FakeChanWebSocket, link: SteadyLink
) -> None:
    await speak(link, 5)
    await link.flush()  # the caller talks over the bot: Asterisk's queue is dropped
    flushed = len(asterisk.received)
    await asterisk.wait_for(flushed + 5, WITHIN_S)
    assert all(m.is_silence for m in asterisk.received[flushed + 1 :])


async def test_nothing_is_sent_once_the_link_is_closed(
    asterisk: FakeChanWebSocket, link: SteadyLink
) -> None:
    await asterisk.wait_for(3, WITHIN_S)
    await link.aclose()
    assert link.silence_frames >= 3
    # the filler went with the link: its task was cancelled and awaited, and the
    # websocket is closed, so nothing more can arrive
    assert len(link._filler) == 0
    assert not link.alive


async def test_asterisk_fills_the_line_before_and_after_the_link(
    asterisk: FakeChanWebSocket, link: SteadyLink
) -> None:
    """Between the steps of a call Asterisk's silence generator keeps the caller's RTP
    going (issue 10); it drops what the bridge writes, so the link stops it once it is
    up, and starts it again before it closes (before its own silence stops)."""
    assert asterisk.requests == [("stop_silence", "call-1")]
    await asterisk.wait_for(2, WITHIN_S)
    await link.aclose()
    assert asterisk.requests == [
        ("stop_silence", "call-1"),
        ("start_silence", "call-1"),  # the caller's line, before the media channel goes
        ("hangup", "guichet-media-l1"),
    ]


async def test_silence_resumes_at_once_when_a_barge_in_drops_queued_speech(
    asterisk: FakeChanWebSocket, link: SteadyLink
) -> None:
    """Speech can be sent ahead of its playout (a backlog at the start of a call: the
    greeting went out 0.46 s ahead, measured by tests/bench/bench_caller_buffer.py);
    a barge-in drops it from Asterisk's queue, and the silence must not wait for the
    time that dropped speech would have taken to play (the caller got no RTP then)."""
    for _ in range(25):  # half a second of speech at once
        await link.send(SPEECH)
    await speak(link, 5)  # then paced, 0.5 s ahead of what Asterisk plays
    await link.flush()
    while True:  # until three messages have followed the last frame of speech
        await asterisk.wait_for(len(asterisk.received) + 1, WITHIN_S)
        spoken = [i for i, m in enumerate(asterisk.received) if m.is_audio and not m.is_silence]
        if len(asterisk.received) - spoken[-1] > 3:
            break
    after = asterisk.received[spoken[-1] + 1 :]
    assert after[0].command == "FLUSH_MEDIA"
    assert all(m.is_silence for m in after[1:])
    assert after[1].at - after[0].at < MAX_GAP_S, after[1].at - after[0].at
