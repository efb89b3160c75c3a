"""Output stage (the transport's side): plays bot audio, paced at 20 ms or not.

A barge-in empties the playback buffer at once, so the bot stops within one
frame of the decision. Every other frame goes to the observer (transcripts,
answers, actions) in order; a BotHangupFrame is observed once the audio queued
before it has been played, and so is a DialogActionFrame (transfer, callback).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from voicebot.audio import pcm16_to_float, rms
from voicebot.call import CallState
from voicebot.frames import (
    BargeInFrame,
    BotAudioFrame,
    BotHangupFrame,
    ControlFrame,
    DialogActionFrame,
    Frame,
    HangupFrame,
)
from voicebot.stages.base import Stage

Observer = Callable[[Frame], None]


class OutputStage(Stage):
    name = "output"

    def __init__(
        self,
        call: CallState,
        observer: Observer,
        *,
        paced: bool,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.call = call
        self.observer = observer
        self.paced = paced
        self.on_idle = on_idle
        self._playback: deque[Frame] = deque()
        self._wake = asyncio.Event()
        self._player: asyncio.Task[None] | None = None
        self.out: asyncio.Queue[Frame] = asyncio.Queue()  # what the transport sends
        self.first_audio_wall: dict[int, float] = {}
        self.last_stop_wall: float | None = None  # when a barge-in emptied the buffer
        self.dropped_frames = 0

    async def process(self, frame: Frame) -> None:
        if self._player is None:
            self._player = self.tasks.spawn(self._play(), "player")
        if isinstance(frame, BargeInFrame | HangupFrame):
            self.dropped_frames += sum(isinstance(f, BotAudioFrame) for f in self._playback)
            self._playback = deque(f for f in self._playback if not isinstance(f, BotAudioFrame))
            self._drain_out_audio()
            self.last_stop_wall = time.perf_counter()
            self.call.bot_speaking = False
            self.observer(frame)
            if isinstance(frame, HangupFrame):
                self.out.put_nowait(frame)
            return
        if isinstance(frame, ControlFrame):
            self.observer(frame)
            return
        if isinstance(frame, BotAudioFrame):
            self.first_audio_wall.setdefault(frame.turn, time.perf_counter())
        self._playback.append(frame)
        self._wake.set()

    def _drain_out_audio(self) -> None:
        kept = []
        while not self.out.empty():
            item = self.out.get_nowait()
            if not isinstance(item, BotAudioFrame):
                kept.append(item)
        for item in kept:
            self.out.put_nowait(item)

    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            if not self._playback:
                if self.call.bot_speaking:
                    self.call.bot_speaking = False
                    if self.on_idle is not None:
                        self.on_idle()
                self._wake.clear()
                await self._wake.wait()
                next_at = loop.time()
                continue
            frame = self._playback.popleft()
            if isinstance(frame, BotAudioFrame):
                self.call.bot_speaking = True
                self.call.note_bot_audio(rms(pcm16_to_float(frame.pcm)))
                self.out.put_nowait(frame)
                if self.paced:
                    next_at += frame.duration
                    delay = next_at - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)  # pacing the 20 ms clock, not synchronising
                    else:
                        next_at = loop.time()
                else:
                    await asyncio.sleep(0)  # let control frames in between frames
            else:
                self.observer(frame)
                # the transport acts on these once the audio before them has played
                if isinstance(frame, BotHangupFrame | DialogActionFrame):
                    self.out.put_nowait(frame)
