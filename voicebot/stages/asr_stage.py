"""ASR stage: utterance → transcription, in the ASR executor (never on the loop)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor

from voicebot.audio import pcm16_to_float
from voicebot.call import CallState
from voicebot.engines.asr import AsrEngine, AsrResult
from voicebot.frames import Frame, TranscriptionFrame, TurnCancelledFrame, UtteranceFrame
from voicebot.stages.base import Stage

log = logging.getLogger(__name__)


class AsrStage(Stage):
    name = "asr"

    def __init__(self, asr: AsrEngine, executor: Executor, call: CallState) -> None:
        super().__init__()
        self.asr = asr
        self.executor = executor
        self.call = call
        self._jobs: dict[int, asyncio.Task[None]] = {}

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, UtteranceFrame):
            old = self._jobs.pop(frame.turn, None)
            if old is not None:
                await self.tasks.cancel(old)
            self._jobs[frame.turn] = self.tasks.spawn(self._transcribe(frame), f"turn{frame.turn}")
            return
        if isinstance(frame, TurnCancelledFrame):
            job = self._jobs.pop(frame.turn, None)
            if job is not None:
                await self.tasks.cancel(job)
        self.push(frame)

    async def _transcribe(self, frame: UtteranceFrame) -> None:
        audio = pcm16_to_float(frame.pcm16k)
        lang = self.call.lang if self.call.lang_fixed else None
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.executor, self.asr.transcribe, audio, lang)
        except Exception:
            log.exception("transcription failed (turn %d)", frame.turn)
            result = AsrResult("", lang or self.call.lang, 0.0, rejected="error")
        self._jobs.pop(frame.turn, None)
        if not self.call.lang_fixed and not result.rejected:
            self.call.lang, self.call.lang_fixed = result.lang, True
        lang = result.lang
        self.push(
            TranscriptionFrame(
                text=result.text,
                lang=lang,
                turn=frame.turn,
                revision=frame.revision,
                speech_end_t=frame.speech_end_t,
                endpoint_t=frame.endpoint_t,
                endpoint_wall=frame.endpoint_wall,
                asr_ms=result.ms,
                rejected=result.rejected,
            )
        )
