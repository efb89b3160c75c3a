"""TTS stage: SpeakFrame → ear-normalised sentences → 20 ms bot audio at the call rate.

Synthesis runs sentence by sentence in the TTS executor, so the first sentence
leaves while the next is synthesized. Data frames that follow a SpeakFrame
(actions, hang-up, turn markers) keep their place behind its audio. A barge-in
drops everything queued and cancels the synthesis in progress.

A sentence that fails, or takes longer than its time-out (``TtsConfig.timeout_s`` for a
sentence of up to ``SHORT_SENTENCE_CHARS``, in proportion beyond), is logged (engine,
language, length; never the words), reported as an :class:`EngineIncidentFrame`, and
replaced by a short apology rendered when the stage starts (``FALLBACK_SENTENCE``; a
voice that cannot say even that stops the pipeline from starting). Past
``TtsConfig.fallbacks_per_call`` such sentences the stage fails: the bot has lost its
voice, and the call is handed over rather than left in silence.

:class:`Synthesizer` is the text → frames part on its own; the ``Voice`` facade
(prompts outside the dialog) speaks through it too.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from voicebot.audio import Float32Array, iter_frames, resample
from voicebot.ear import for_the_ear, split_sentences
from voicebot.engines.tts import TtsEngine
from voicebot.errors import VoicebotError
from voicebot.executors import PriorityPool
from voicebot.frames import (
    BargeInFrame,
    BotAudioFrame,
    ControlFrame,
    DataFrame,
    EngineIncidentFrame,
    Frame,
    HangupFrame,
    Lang,
    SpeakFrame,
)
from voicebot.stages.base import Stage, within

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TtsConfig:
    # a slow (neural) voice's first chunk ends at the first pause after this many
    # characters, so the caller hears the bot sooner; espeak-ng is fast enough whole
    fast_start_chars: int = 48
    breath_s: float = 0.12  # silence after a sentence or a clause, none inside one
    # one short sentence's synthesis, waiting for a free worker included: past it the
    # voice is taken for lost (a hung engine must not leave the caller in silence)
    timeout_s: float = 1.5
    # sentences of one call the caller may hear replaced by FALLBACK_SENTENCE; the next
    # failure means the voice is lost, and the call is handed over
    fallbacks_per_call: int = 1


# Said instead of a sentence the engine could not synthesize: the caller knows
# something was lost, rather than hearing the bot skip it.
FALLBACK_SENTENCE: dict[Lang, str] = {
    "fr": "Excusez-moi, je n'ai pas pu prononcer cette phrase.",
    "en": "Sorry, I could not say that sentence.",
}
# The fallback is rendered at start, on an engine perhaps not warmed up yet: its first
# synthesis is given this many times a sentence's time-out.
FALLBACK_START_MARGIN = 3.0


SHORT_SENTENCE_CHARS = 100  # a sentence this long gets the base time-out; longer, more


def synthesis_timeout(config: TtsConfig, sentence: str) -> float:
    """The time-out of one sentence: a neural voice's work grows with its length."""
    return config.timeout_s * max(1.0, len(sentence) / SHORT_SENTENCE_CHARS)


class SynthesisFailed(VoicebotError):
    """A sentence could not be synthesized (the engine failed or did not answer in
    time): the bot cannot say what it meant to."""


# The fallback's frames per engine, (language, call rate, breath): rendered by the
# first pipeline of the process, reused by the next ones.
_FallbackKey = tuple[Lang, int, float]
_RENDERED: weakref.WeakKeyDictionary[object, dict[_FallbackKey, list[bytes]]] = (
    weakref.WeakKeyDictionary()
)


class Synthesizer:
    """Text → 20 ms PCM16 frames at ``sample_rate``, one sentence at a time.

    Once :meth:`prepare_fallback` has run, a sentence that fails is replaced by
    ``FALLBACK_SENTENCE`` (up to ``config.fallbacks_per_call`` of them), and
    ``on_incident`` is told; without it (the ``Voice`` facade), a failure raises."""

    def __init__(
        self,
        engines: Mapping[Lang, TtsEngine],
        executor: Executor,
        sample_rate: int,
        config: TtsConfig | None = None,
        *,
        on_incident: Callable[[EngineIncidentFrame], None] | None = None,
    ) -> None:
        self.engines = engines
        self.executor = executor
        self.sample_rate = sample_rate
        self.config = config or TtsConfig()
        self.on_incident = on_incident
        self.fallback: dict[Lang, list[bytes]] = {}  # the apology's frames, per language
        self.failures = 0  # sentences lost so far (this synthesizer serves one call)
        self._preparing = asyncio.Lock()

    def engine(self, lang: Lang) -> TtsEngine:
        return self.engines.get(lang) or next(iter(self.engines.values()))

    async def prepare_fallback(self) -> None:
        """Have ``FALLBACK_SENTENCE``'s frames ready in every language of the engines.
        SynthesisFailed when a voice cannot say even that: it cannot speak at all."""
        async with self._preparing:
            for lang in self.engines:
                if lang not in self.fallback:
                    self.fallback[lang] = await self._render_fallback(lang)

    async def _render_fallback(self, lang: Lang) -> list[bytes]:
        engine = self.engine(lang)
        key: _FallbackKey = (lang, self.sample_rate, self.config.breath_s)
        try:
            rendered = _RENDERED.setdefault(engine, {})
        except TypeError:  # an engine that cannot be weakly referenced: not cached
            rendered = {}
        if key in rendered:
            return rendered[key]
        text = FALLBACK_SENTENCE[lang]
        timeout_s = FALLBACK_START_MARGIN * synthesis_timeout(self.config, text)
        try:
            audio = await within(self._synthesize(engine, text, lang, urgent=False), timeout_s)
        except Exception as exc:  # TimeoutError included
            name = engine.capabilities.name  # the refusal says which voice, and why
            raise SynthesisFailed(
                f"the {name} voice could not say its {lang} fallback sentence "
                f"({type(exc).__name__}): the voicebot cannot speak"
            ) from exc
        rendered[key] = frames = self._frames(audio, engine, text)
        return frames

    async def sentences(
        self, text: str, lang: Lang
    ) -> AsyncGenerator[tuple[list[bytes], bool], None]:
        """Each sentence's frames as soon as it is synthesized, and whether it is the
        last one. A sentence that fails or takes longer than its time-out is replaced by
        the fallback while the call has some left; then SynthesisFailed: skipping it
        would leave the caller waiting for words that never come."""
        engine = self.engine(lang)
        fast_start = 0 if engine.capabilities.name == "espeak-ng" else self.config.fast_start_chars
        sentences = split_sentences(for_the_ear(text, lang), first_max_chars=fast_start)
        for i, sentence in enumerate(sentences):
            timeout_s = synthesis_timeout(self.config, sentence)
            try:
                audio = await within(
                    self._synthesize(engine, sentence, lang, urgent=i == 0), timeout_s
                )
            except TimeoutError as exc:
                frames = await self._instead(engine, sentence, lang, "timeout", exc)
            except Exception as exc:
                frames = await self._instead(engine, sentence, lang, "failed", exc)
            else:
                frames = self._frames(audio, engine, sentence)
            yield frames, i == len(sentences) - 1

    async def _instead(
        self,
        engine: TtsEngine,
        sentence: str,
        lang: Lang,
        kind: Literal["failed", "timeout"],
        error: Exception,
    ) -> list[bytes]:
        """What the caller hears instead of a lost sentence: the fallback, or none left."""
        # which engine, language and length, never the words: they may quote the caller
        log.warning(
            "tts %s: a sentence %s (%s, %d characters, %s)",
            engine.capabilities.name,
            f"took longer than {synthesis_timeout(self.config, sentence):.1f} s"
            if kind == "timeout"
            else "failed",
            lang,
            len(sentence),
            type(error).__name__,
        )
        self.failures += 1
        if self.on_incident is not None:
            self.on_incident(EngineIncidentFrame("tts", kind, lang))
        async with self._preparing:  # the fallback may still be rendering at start
            fallback = self.fallback.get(lang)
        if fallback is None or self.failures > self.config.fallbacks_per_call:
            raise SynthesisFailed(f"{lang} synthesis {kind}") from error
        return fallback

    async def _synthesize(
        self, engine: TtsEngine, sentence: str, lang: Lang, *, urgent: bool
    ) -> Float32Array:
        if isinstance(self.executor, PriorityPool):
            # A reply's first chunk jumps the queue: other calls' later sentences wait.
            future = self.executor.submit_priority(
                0 if urgent else 1, engine.synthesize, sentence, lang
            )
            return await asyncio.wrap_future(future)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, engine.synthesize, sentence, lang)

    def _frames(self, audio: Float32Array, engine: TtsEngine, sentence: str) -> list[bytes]:
        rate = self.sample_rate
        audio = resample(audio, engine.capabilities.sample_rate, rate)
        breath = self.config.breath_s if sentence[-1:] in ".!?…;:," else 0.0
        audio = np.concatenate([audio, np.zeros(int(breath * rate), dtype=np.float32)])
        return list(iter_frames(audio, rate))  # the last frame is padded with silence


class TtsStage(Stage):
    name = "tts"

    def __init__(
        self,
        engines: Mapping[Lang, TtsEngine],
        executor: Executor,
        sample_rate: int,
        config: TtsConfig | None = None,
    ) -> None:
        super().__init__()
        self.synthesizer = Synthesizer(
            engines, executor, sample_rate, config, on_incident=self.push
        )
        self._queue: asyncio.Queue[DataFrame] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.first_audio_ms: dict[int, float] = {}  # turn → SpeakFrame-to-first-frame

    async def start(self) -> None:
        """The fallback ready before the call goes on (SynthesisFailed: no voice at
        all), and a stand-in voice reported for this call."""
        await self.synthesizer.prepare_fallback()
        for lang, engine in self.synthesizer.engines.items():
            if lang in engine.capabilities.degraded:
                self.push(EngineIncidentFrame("tts", "degraded_voice", lang))

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = self.spawn(self._work(), "speak")

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
        started = time.perf_counter()
        rate = self.synthesizer.sample_rate
        async for frames, last_sentence in self.synthesizer.sentences(frame.text, frame.lang):
            if frame.turn not in self.first_audio_ms:
                self.first_audio_ms[frame.turn] = (time.perf_counter() - started) * 1000
            for k, pcm in enumerate(frames):
                self.push(
                    BotAudioFrame(
                        pcm=pcm,
                        sample_rate=rate,
                        turn=frame.turn,
                        last=last_sentence and k == len(frames) - 1,
                    )
                )
