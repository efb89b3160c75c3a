"""ASR stage: utterance → transcription, in the ASR executor (never on the loop).

The stage listens in the call's language: the flow's default until there is evidence
for the other. Each transcription also scores French against English, and a
:class:`~voicebot.language.LanguageJudge` weighs them: short words and fillers never
decide; enough speech with a clear margin does, both ways (a wrong switch is undone).
When the judge changes the language, the turn that made it change is transcribed
again in the new language (one more ~0.3 s pass, once or twice a call) so that the
question is understood, and goes out flagged ``switch`` after a LanguageFrame; when
it only confirms the language, a LanguageFrame says that the language is now known.
A language the caller chooses in the dialog (a key, a word) comes back upstream as a
LanguageFrame and is listened in from then on; the judge goes on weighing.

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
from dataclasses import dataclass, field, replace

from voicebot.audio import Float32Array, pcm16_to_float
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
from voicebot.language import HeardTurn, LanguageJudge, LanguageRules, LanguageScores
from voicebot.stages.base import Stage, within

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AsrConfig:
    lang: Lang = "fr"  # the language to listen in until the caller's speech decides
    lang_known: bool = False  # given (not just the default): no LanguageFrame to confirm it
    timeout_s: float = 1.5  # one short turn's transcription, waiting for a worker included
    give_up_after: int = 2  # failed transcriptions in a row before the stage fails
    rules: LanguageRules = field(default_factory=LanguageRules)  # what decides the language


# a turn heard again in the other language is believed only if Whisper is fairly sure of
# the words (real speech: -0.03 to -0.6; fluent inventions from a hiss: -1.3 to -1.5;
# -1.0 is also where the engine starts to treat a turn as no speech)
MIN_SWITCH_LOGPROB = -1.0
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
        self.judge = LanguageJudge(config.lang, config.lang_known, config.rules)
        self.config = config
        self.give_up_after = config.give_up_after
        self.failures = 0  # failed transcriptions in a row
        self._jobs: dict[int, asyncio.Task[None]] = {}
        self._switched: tuple[int, Lang] | None = None  # the turn that changed the language

    @property
    def lang(self) -> Lang:
        return self.judge.lang

    @property
    def lang_known(self) -> bool:
        return self.judge.known

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
            self.judge = self.judge.chosen(frame.lang)
        self.push_upstream(frame)

    async def _run_asr(self, audio: Float32Array, lang: Lang, turn: int) -> AsrResult:
        """One transcription in the executor; a failure or a time-out is a rejected result."""
        loop = asyncio.get_running_loop()
        timeout_s = transcription_timeout(self.config, audio.size / VAD_RATE)
        job = loop.run_in_executor(self.executor, self.asr.transcribe, audio, lang)
        try:
            return await within(job, timeout_s)
        except TimeoutError:
            # the worker may still be busy with it; its result will be dropped
            log.warning("transcription took longer than %.1f s (turn %d)", timeout_s, turn)
            return AsrResult("", lang, 0.0, rejected="timeout")
        except Exception:
            log.exception("transcription failed (turn %d)", turn)
            return AsrResult("", lang, 0.0, rejected="error")

    async def _transcribe(self, frame: UtteranceFrame) -> None:
        audio = pcm16_to_float(frame.pcm16k)
        lang = self.judge.lang
        result = await self._run_asr(audio, lang, frame.turn)
        self._jobs.pop(frame.turn, None)
        if result.rejected in ("timeout", "error"):
            self.failures += 1
            if self.failures >= self.give_up_after:
                raise TranscriptionFailed(f"{self.failures} transcriptions in a row failed")
        else:
            self.failures = 0
        if not result.rejected and result.scores is not None and self.judge.lang == lang:
            # (a language chosen while this turn was heard overrides what it says)
            result = await self._weigh(frame, audio, result, result.scores)
        switch = self._switched == (frame.turn, result.lang)  # a resumed turn keeps it
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
                switch=switch,
            )
        )

    async def _weigh(
        self, frame: UtteranceFrame, audio: Float32Array, result: AsrResult, scores: LanguageScores
    ) -> AsrResult:
        """The judge hears the turn; the result to pass on (heard again on a switch)."""
        before = self.judge
        speech_s = max(0.0, frame.speech_end_t - frame.speech_start_t)
        after = before.hear(HeardTurn(result.text, speech_s, scores))
        if after.lang == before.lang:
            self.judge = after
            if after.known and not before.known:
                self.push(LanguageFrame(after.lang, "detected"))
            return result
        # the question was heard in the wrong language: hear it again in the right one
        again = await self._run_asr(audio, after.lang, frame.turn)
        if (
            again.rejected
            or again.avg_logprob < MIN_SWITCH_LOGPROB
            or self.judge.lang != before.lang
        ):
            # not heard again, heard as a guess (Whisper invents fluent sentences from
            # noise), or the language changed meanwhile (the caller chose): no switch
            return result
        self.judge = after
        self._switched = (frame.turn, after.lang)
        log.info(
            "turn %d: the caller speaks %s (p=%.2f, %.1f s)",
            frame.turn,
            after.lang,
            scores.p(after.lang),
            speech_s,
        )
        self.push(LanguageFrame(after.lang, "detected"))
        return replace(again, ms=result.ms + again.ms)
