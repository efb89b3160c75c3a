"""TTS stage: SpeakFrame → ear-normalised sentences → 20 ms bot audio at the call rate.

Synthesis runs sentence by sentence in the TTS executor, so the first sentence
leaves while the next is synthesized. Data frames that follow a SpeakFrame
(actions, hang-up, turn markers) keep their place behind its audio. A barge-in
drops everything queued and cancels the synthesis in progress.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor

import numpy as np

from voicebot.audio import FRAME_MS, float_to_pcm16, resample
from voicebot.call import CallState
from voicebot.ear import for_the_ear, split_sentences
from voicebot.engines.tts import TtsEngine
from voicebot.executors import PriorityPool
from voicebot.frames import (
    BargeInFrame,
    BotAudioFrame,
    ControlFrame,
    DataFrame,
    Frame,
    HangupFrame,
    Lang,
    SpeakFrame,
)
from voicebot.stages.base import Stage

log = logging.getLogger(__name__)


class TtsStage(Stage):
    name = "tts"

    def __init__(self, engines: dict[Lang, TtsEngine], executor: Executor, call: CallState) -> None:
        super().__init__()
        self.engines = engines
        self.executor = executor
        self.call = call
        self._queue: asyncio.Queue[DataFrame] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.first_audio_ms: dict[int, float] = {}  # turn → SpeakFrame-to-first-frame

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = self.tasks.spawn(self._work(), "speak")

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, (BargeInFrame, HangupFrame)):
            await self._interrupt()
            self.push(frame)
        elif isinstance(frame, ControlFrame):
            self.push(frame)
        elif isinstance(frame, SpeakFrame) or self._worker is not None:
            assert isinstance(frame, DataFrame)
            self._queue.put_nowait(frame)
            self._ensure_worker()
        else:
            self.push(frame)

    async def _interrupt(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        if self._worker is not None:
            worker, self._worker = self._worker, None
            await self.tasks.cancel(worker)

    async def _work(self) -> None:
        while True:
            frame = await self._queue.get()
            if isinstance(frame, SpeakFrame):
                await self._speak(frame)
                self.push(frame)  # observed after its audio (transcripts, simulate)
            else:
                self.push(frame)

    async def _speak(self, frame: SpeakFrame) -> None:
        engine = self.engines.get(frame.lang) or next(iter(self.engines.values()))
        loop = asyncio.get_running_loop()
        rate = self.call.sample_rate
        step = rate * FRAME_MS // 1000
        started = time.perf_counter()
        fast_start = 0 if engine.capabilities.name == "espeak-ng" else 48
        sentences = split_sentences(for_the_ear(frame.text, frame.lang), first_max_chars=fast_start)
        for i, sentence in enumerate(sentences):
            try:
                if isinstance(self.executor, PriorityPool):
                    # A reply's first chunk jumps the queue: other calls' later sentences wait.
                    future = self.executor.submit_priority(
                        0 if i == 0 else 1, engine.synthesize, sentence, frame.lang
                    )
                    audio = await asyncio.wrap_future(future)
                else:
                    audio = await loop.run_in_executor(
                        self.executor, engine.synthesize, sentence, frame.lang
                    )
            except Exception:
                log.exception("synthesis failed: %r", sentence)
                continue
            audio = resample(audio, engine.capabilities.sample_rate, rate)
            breath = 0.12 if sentence[-1:] in ".!?…;:," else 0.0  # none inside a sentence
            pause = np.zeros(int(breath * rate), dtype=np.float32)
            audio = np.concatenate([audio, pause])
            n = -(-audio.size // step)
            audio = np.pad(audio, (0, n * step - audio.size))
            if frame.turn not in self.first_audio_ms:
                self.first_audio_ms[frame.turn] = (time.perf_counter() - started) * 1000
            last_sentence = i == len(sentences) - 1
            for k in range(n):
                chunk = audio[k * step : (k + 1) * step]
                self.push(
                    BotAudioFrame(
                        pcm=float_to_pcm16(chunk),
                        sample_rate=rate,
                        turn=frame.turn,
                        last=last_sentence and k == n - 1,
                    )
                )
