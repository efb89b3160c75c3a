"""Audio between aiortc and the voicebot: the visitor's Opus (decoded by aiortc at
48 kHz) down to the pipeline's 16 kHz mono, and the bot's (or the person's) 16 kHz
PCM up to a paced outgoing track that aiortc encodes."""

from __future__ import annotations

import asyncio
import fractions
import time
from collections import deque
from collections.abc import Callable

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from voicebot import StreamResampler, pcm16_to_float

__all__ = ["FRAME_BYTES", "RATE", "OutgoingAudio", "PcmResampler", "pump_incoming"]

RATE = 16000  # the pipeline's rate for web calls (wideband, like the browser)
FRAME_SAMPLES = RATE // 50  # 20 ms
FRAME_BYTES = FRAME_SAMPLES * 2
_SILENCE = bytes(FRAME_BYTES)


class PcmResampler:
    """PCM16 mono frames from ``src`` Hz to ``dst`` Hz, as one stream (no step at each
    frame's edge: ``voicebot.StreamResampler``)."""

    def __init__(self, src: int, dst: int) -> None:
        self._stream = StreamResampler(src, dst) if src != dst else None

    def __call__(self, pcm: bytes) -> bytes:
        if self._stream is None:
            return pcm
        samples = self._stream(pcm16_to_float(pcm))
        return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


class OutgoingAudio(MediaStreamTrack):
    """What the visitor hears: 20 ms frames at 16 kHz, silence when nothing is
    queued (the browser's jitter buffer wants a steady stream)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._chunks: deque[bytes] = deque()
        self._pending = b""
        self._start: float | None = None
        self._sent = 0  # samples

    def queue(self, pcm: bytes) -> None:
        self._pending += pcm
        while len(self._pending) >= FRAME_BYTES:
            self._chunks.append(self._pending[:FRAME_BYTES])
            self._pending = self._pending[FRAME_BYTES:]

    def flush(self) -> None:
        """Drop what was not played yet (the caller barged in)."""
        self._chunks.clear()
        self._pending = b""

    @property
    def queued_s(self) -> float:
        return len(self._chunks) * 0.02

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            # the track paces itself: aiortc sends each frame as soon as it is returned
            due = self._start + self._sent / RATE
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        pcm = self._chunks.popleft() if self._chunks else _SILENCE
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
        frame.planes[0].update(pcm)
        frame.sample_rate = RATE
        frame.pts = self._sent
        frame.time_base = fractions.Fraction(1, RATE)
        self._sent += FRAME_SAMPLES
        return frame


async def pump_incoming(
    track: MediaStreamTrack, sink: Callable[[bytes], None], rate: Callable[[], int]
) -> None:
    """The visitor's audio, as mono PCM16 at ``rate()`` (it changes when the call
    joins Asterisk), to ``sink`` until the track ends."""
    resamplers: dict[int, av.AudioResampler] = {}
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        if not isinstance(frame, av.AudioFrame):
            continue
        dst = rate()
        resampler = resamplers.get(dst)
        if resampler is None:
            resampler = resamplers[dst] = av.AudioResampler(format="s16", layout="mono", rate=dst)
        for out in resampler.resample(frame):
            sink(out.to_ndarray().astype("<i2").tobytes())
