"""Output stage (the transport's side): plays bot audio, paced at 20 ms or not.

A barge-in empties the playback buffer at once, so the bot stops within one
frame of the decision. Every other frame goes on downstream (to the pipeline's
observers and transport) in order; a BotHangupFrame goes once the audio queued
before it has been played, and so does a DialogActionFrame (transfer, callback).

What it plays it also reports upstream, for the VAD's barge-in and echo guard and
for the silence timer: BotStarted/StoppedSpeakingFrame on each change, and an
EchoReferenceFrame (the level) for every frame played.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from voicebot.audio import pcm16_to_float, rms
from voicebot.frames import (
    BargeInFrame,
    BotAudioFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ControlFrame,
    EchoReferenceFrame,
    Frame,
    HangupFrame,
)
from voicebot.stages.base import Stage


class Pacer:
    """The playout clock: each frame waits for its slot. A late frame restarts the
    clock rather than letting the frames after it rush out to catch up."""

    def __init__(self) -> None:
        self._next_at: float | None = None

    def restart(self) -> None:
        self._next_at = None

    async def wait(self, duration: float) -> None:
        """After sending a frame of ``duration`` seconds: until the next one is due."""
        now = asyncio.get_running_loop().time()
        next_at = (now if self._next_at is None else self._next_at) + duration
        delay = next_at - now
        if delay > 0:
            self._next_at = next_at
            await asyncio.sleep(delay)  # pacing the 20 ms clock, not synchronising
        else:
            self._next_at = now


class OutputStage(Stage):
    name = "output"

    def __init__(self, *, paced: bool) -> None:
        super().__init__()
        self.paced = paced
        self._playback: deque[Frame] = deque()
        self._wake = asyncio.Event()
        self._player: asyncio.Task[None] | None = None
        self._pacer = Pacer()
        self.speaking = False
        self.first_audio_wall: dict[int, float] = {}
        self.last_stop_wall: float | None = None  # when a barge-in emptied the buffer

    async def process(self, frame: Frame) -> None:
        if self._player is None:
            self._player = self.spawn(self._play(), "player")
        if isinstance(frame, BargeInFrame | HangupFrame):
            self._playback = deque(f for f in self._playback if not isinstance(f, BotAudioFrame))
            self.push(frame)  # the transport drops the audio it has not sent yet
            self.last_stop_wall = time.perf_counter()  # nothing of the bot is left to send
            self._speaking(False, interrupted=True)
            return
        if isinstance(frame, ControlFrame):
            self.push(frame)
            return
        if isinstance(frame, BotAudioFrame):
            self.first_audio_wall.setdefault(frame.turn, time.perf_counter())
        self._playback.append(frame)
        self._wake.set()

    def _speaking(self, speaking: bool, *, interrupted: bool = False) -> None:
        if speaking == self.speaking:
            return
        self.speaking = speaking
        change = BotStartedSpeakingFrame() if speaking else BotStoppedSpeakingFrame(interrupted)
        self.push_upstream(change)
        self.push(change)

    async def _play(self) -> None:
        while True:
            if not self._playback:
                self._speaking(False)  # ran out: the caller's turn (silence timer)
                self._wake.clear()
                await self._wake.wait()
                self._pacer.restart()
                continue
            frame = self._playback.popleft()
            if not isinstance(frame, BotAudioFrame):
                # observed once the audio before it has played (actions, hang-up)
                self.push(frame)
                continue
            self._speaking(True)
            self.push_upstream(
                EchoReferenceFrame(rms(pcm16_to_float(frame.pcm)), time.perf_counter())
            )
            self.push(frame)
            if self.paced:
                await self._pacer.wait(frame.duration)
            else:
                await asyncio.sleep(0)  # let control frames in between frames
