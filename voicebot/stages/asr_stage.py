"""ASR stage: utterance → transcription, in the ASR executor (never on the loop).

When the call's language is not known, the first understood utterance decides it
(Whisper detects French or English); the stage then listens in that language and
says so downstream with a LanguageFrame. A language the caller chooses in the dialog
comes back upstream as a LanguageFrame and is forced from then on.

A transcription that fails, or takes longer than its time-out, makes the turn "not
understood" (the dialog asks the caller to repeat); ``give_up_after`` such turns in a
row fail the stage (the engine is taken for lost: the call is handed over). The
time-out is ``AsrConfig.timeout_s`` for a turn of up to ``SHORT_TURN_S`` of audio (a
question), and grows in proportion beyond: Whisper's work grows with the audio, and a
caller who talks for 20 s is not a hung engine.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from dataclasses import dataclass

from voicebot.audio import pcm16_to_float
from voicebot.engines.asr import AsrEngine, AsrResult
from voicebot.engines.vad import VAD_RATE
from voicebot.errors import VoicebotError
from voicebot.frames import (
    Frame,
    Lang,
    LanguageFrame,
    TranscriptionFrame,
    TurnCancelledFrame,
    UtteranceFrame,
)
from voicebot.stages.base import Stage, within

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AsrConfig:
    lang: Lang = "fr"  # the language to listen in (or to assume until detected)
    lang_known: bool = False  # False: the first understood utterance decides
    timeout_s: float = 1.5  # one short turn's transcription, waiting for a worker included
    give_up_after: int = 2  # failed transcriptions in a row before the stage fails


SHORT_TURN_S = 4.0  # audio a transcription gets the base time-out for


def transcription_timeout(config: AsrConfig, audio_s: float) -> float:
    """The time-out of a turn of ``audio_s`` seconds."""
    return config.timeout_s * max(1.0, audio_s / SHORT_TURN_S)


class TranscriptionFailed(VoicebotError):
    """Transcriptions failed or timed out turn after turn: the bot cannot hear."""


class AsrStage(Stage):
    name = "asr"

    def __init__(self, asr: AsrEngine, executor: Executor, config: AsrConfig | None = None) -> None:
        super().__init__()
        self.asr = asr
        self.executor = executor
        config = config or AsrConfig()
        self.lang: Lang = config.lang
        self.lang_known = config.lang_known
        self.config = config
        self.give_up_after = config.give_up_after
        self.failures = 0  # failed transcriptions in a row
        self._jobs: dict[int, asyncio.Task[None]] = {}

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, UtteranceFrame):
            old = self._jobs.pop(frame.turn, None)
            if old is not None:
                await self.tasks.cancel(old)
            self._jobs[frame.turn] = self.spawn(self._transcribe(frame), f"turn{frame.turn}")
            return
        if isinstance(frame, TurnCancelledFrame):
            job = self._jobs.pop(frame.turn, None)
            if job is not None:
                await self.tasks.cancel(job)
        self.push(frame)

    async def process_upstream(self, frame: Frame) -> None:
        if isinstance(frame, LanguageFrame):
            self.lang, self.lang_known = frame.lang, True
        self.push_upstream(frame)

    async def _transcribe(self, frame: UtteranceFrame) -> None:
        audio = pcm16_to_float(frame.pcm16k)
        lang = self.lang if self.lang_known else None
        loop = asyncio.get_running_loop()
        timeout_s = transcription_timeout(self.config, audio.size / VAD_RATE)
        job = loop.run_in_executor(self.executor, self.asr.transcribe, audio, lang)
        try:
            result = await within(job, timeout_s)
        except TimeoutError:
            # the worker may still be busy with it; its result will be dropped
            log.warning("transcription took longer than %.1f s (turn %d)", timeout_s, frame.turn)
            result = AsrResult("", lang or self.lang, 0.0, rejected="timeout")
        except Exception:
            log.exception("transcription failed (turn %d)", frame.turn)
            result = AsrResult("", lang or self.lang, 0.0, rejected="error")
        self._jobs.pop(frame.turn, None)
        if result.rejected in ("timeout", "error"):
            self.failures += 1
            if self.failures >= self.give_up_after:
                raise TranscriptionFailed(f"{self.failures} transcriptions in a row failed")
        else:
            self.failures = 0
        if not self.lang_known and not result.rejected:
            # noise or silence would guess at random: only words decide the language
            self.lang, self.lang_known = result.lang, True
            self.push(LanguageFrame(result.lang, "detected"))
        self.push(
            TranscriptionFrame(
                text=result.text,
                lang=result.lang,
                turn=frame.turn,
                revision=frame.revision,
                speech_end_t=frame.speech_end_t,
                endpoint_t=frame.endpoint_t,
                endpoint_wall=frame.endpoint_wall,
                asr_ms=result.ms,
                rejected=result.rejected,
            )
        )
