"""``VoicebotPipeline``: one call's chain of stages, and its two presets.

- :meth:`VoicebotPipeline.voicebot` (``voicebot_pipeline``): VAD → ASR → silence timer →
  dialog → TTS → output, the voicebot answering a caller.
- :meth:`VoicebotPipeline.transcribe` (``transcribe_pipeline``): VAD → ASR, for live
  assist: a call leg's audio in, TranscriptionFrame events out; no dialog, no voice.

Use on a live call (the media bridge) or on a file (``simulate``)::

    config = VoicebotConfig.from_settings(settings)
    async with VoicebotPipeline.voicebot(engines, knowledge, config, sample_rate=8000) as pipe:
        pipe.push_audio(pcm20ms)            # caller audio, 20 ms PCM16 at 8 or 16 kHz
        pipe.push_dtmf("0")
        frame = await pipe.next_output()    # BotAudioFrame (20 ms, paced), BotHangupFrame,
                                            # DialogActionFrame, HangupFrame
    # everything observed (transcripts, answers, actions) is in pipe.events

Each stage has its own frame queue where control frames overtake queued data;
frames flow downstream from the caller's audio to the transport, and a few flow
back upstream (the bot speaks; the caller chose a language). What leaves the last
stage is observed (``events``, ``on_event``), and what the transport acts on
(the bot's audio, hang-ups, hand-overs) also goes to ``next_output``. Every task
belongs to a TaskOwner that cancels and awaits it on close.

A stage that cannot go on (its engine failed or hung, a bug on a frame) fails the
pipeline: ``next_output`` raises :class:`EngineFailed` once the output taken so far
is out, and the transport hands the call over. The caller never waits in silence
for a reply that a failed stage will not send.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path
from typing import Protocol, TypeVar

from guichet.tasks import TaskOwner
from voicebot.audio import SUPPORTED_CALL_RATES
from voicebot.config import VoicebotConfig
from voicebot.engines.asr import AsrEngine
from voicebot.engines.tts import TtsEngine
from voicebot.engines.vad import VadEngine
from voicebot.errors import AudioInputError, VoicebotError
from voicebot.frames import (
    AudioFrame,
    BargeInFrame,
    BotAudioFrame,
    BotHangupFrame,
    DialogActionFrame,
    Direction,
    DTMFFrame,
    EndFrame,
    Frame,
    FrameQueue,
    HangupFrame,
    Lang,
    LanguageFrame,
)
from voicebot.knowledge_port import Knowledge
from voicebot.say import Voice
from voicebot.stages.asr_stage import AsrConfig, AsrStage
from voicebot.stages.base import Stage
from voicebot.stages.dialog_stage import DialogStage
from voicebot.stages.output import OutputStage
from voicebot.stages.silence_stage import SilenceStage
from voicebot.stages.tts_stage import TtsStage
from voicebot.stages.vad_stage import VadStage

F = TypeVar("F", bound=Frame)
S = TypeVar("S", bound=Stage)
log = logging.getLogger(__name__)

# what the transport acts on, besides the bot's audio
_FOR_THE_TRANSPORT = (HangupFrame, BotHangupFrame, DialogActionFrame)
# put in the output queue when the pipeline fails: what was queued before it goes out
_FAILED = Frame()


class EngineFailed(VoicebotError):
    """A stage of the pipeline cannot go on: ``stage`` names it ("asr": the bot no
    longer hears, "tts": it can no longer speak, "dialog"…). The cause is chained."""

    def __init__(self, stage: str, detail: str = "failed") -> None:
        super().__init__(f"the voicebot's {stage} stage {detail}")
        self.stage = stage


class ListeningEngines(Protocol):
    """What a transcribe-only pipeline needs."""

    @property
    def asr(self) -> AsrEngine: ...
    @property
    def vad_factory(self) -> Callable[[], VadEngine]: ...
    @property
    def asr_pool(self) -> Executor: ...


class EngineSet(ListeningEngines, Protocol):
    """What a voicebot pipeline needs (``voicebot.runtime.Engines`` or test fakes)."""

    @property
    def tts(self) -> dict[Lang, TtsEngine]: ...
    @property
    def tts_pool(self) -> Executor: ...
    @property
    def kb_pool(self) -> Executor: ...


class VoicebotPipeline:
    """Runs ``stages`` in order for one call (build one with a preset)."""

    def __init__(
        self,
        stages: Sequence[Stage],
        *,
        sample_rate: int = 8000,
        lang: Lang = "fr",
        lang_known: bool = False,
        on_event: Callable[[Frame], None] | None = None,
    ) -> None:
        if sample_rate not in SUPPORTED_CALL_RATES:
            raise AudioInputError(f"call audio at {sample_rate} Hz: 8000 or 16000 expected")
        if not stages:
            raise ValueError("a pipeline needs at least one stage")
        self.sample_rate = sample_rate
        self.stages: tuple[Stage, ...] = tuple(stages)
        self.queues = [FrameQueue() for _ in self.stages]
        for i, stage in enumerate(self.stages):
            stage.link(self._downstream_of(i), self._upstream_of(i), self._stage_failed)
        self.events: list[Frame] = []
        self._lang: Lang = lang
        self._lang_known = lang_known
        self._on_event = on_event
        self._out: asyncio.Queue[Frame] = asyncio.Queue()  # what the transport sends
        self._changed = asyncio.Event()
        self._tasks = TaskOwner("pipeline")
        self._t = 0.0
        self._started = False
        self.failure: EngineFailed | None = None

    # --- presets ---
    @classmethod
    def voicebot(
        cls,
        engines: EngineSet,
        knowledge: Knowledge,
        config: VoicebotConfig,
        *,
        sample_rate: int = 8000,
        lang: Lang | None = None,
        greet: bool = True,
        paced: bool = True,
        humans_available: bool = False,
        confirm_callback: bool = False,
        silence_timeout_s: float | None = None,
        on_event: Callable[[Frame], None] | None = None,
    ) -> VoicebotPipeline:
        """The voicebot: VAD → ASR → silence timer → dialog → TTS → output.

        ``lang`` None: greet and listen in ``config.lang`` until the caller chooses or
        says enough in a language (``voicebot.language``). ``paced`` False: the bot's
        audio comes out as fast as it is made (files, tests). ``silence_timeout_s``
        overrides ``config.silence`` (0: none).
        """
        start_lang = lang or config.lang
        silence = config.silence
        if silence_timeout_s is not None:
            silence = replace(silence, timeout_s=silence_timeout_s)
        dialog = replace(
            config.dialog, humans_available=humans_available, confirm_callback=confirm_callback
        )
        timeouts = config.timeouts
        stages: list[Stage] = [
            VadStage(engines.vad_factory(), config.vad),
            AsrStage(engines.asr, engines.asr_pool, cls._asr_config(config, start_lang, lang)),
        ]
        if silence.timeout_s > 0:
            stages.append(SilenceStage(silence))
        stages += [
            DialogStage(
                knowledge,
                engines.kb_pool,
                dialog,
                lang=start_lang,
                greet=greet,
                lookup_timeout_s=timeouts.knowledge_s,
            ),
            TtsStage(engines.tts, engines.tts_pool, sample_rate, config.tts),
            OutputStage(paced=paced),
        ]
        return cls(
            stages,
            sample_rate=sample_rate,
            lang=start_lang,
            lang_known=lang is not None,
            on_event=on_event,
        )

    @classmethod
    def transcribe(
        cls,
        engines: ListeningEngines,
        config: VoicebotConfig,
        *,
        sample_rate: int = 8000,
        lang: Lang | None = None,
        on_event: Callable[[Frame], None] | None = None,
    ) -> VoicebotPipeline:
        """Transcribe only: VAD → ASR. Each caller turn becomes a TranscriptionFrame
        event (a later revision of the same turn replaces it: the speaker resumed
        after a short pause); no dialog, no voice. ``next_output`` only ever gives
        the HangupFrame. ``lang`` None: listen in ``config.lang`` until the speaker's words
        decide (``voicebot.language``)."""
        start_lang = lang or config.lang
        stages: list[Stage] = [
            VadStage(engines.vad_factory(), config.vad),
            AsrStage(engines.asr, engines.asr_pool, cls._asr_config(config, start_lang, lang)),
        ]
        return cls(
            stages,
            sample_rate=sample_rate,
            lang=start_lang,
            lang_known=lang is not None,
            on_event=on_event,
        )

    @staticmethod
    def _asr_config(config: VoicebotConfig, start_lang: Lang, lang: Lang | None) -> AsrConfig:
        timeouts = config.timeouts
        return AsrConfig(
            start_lang,
            lang is not None,
            timeout_s=timeouts.asr_s,
            give_up_after=timeouts.asr_failures,
            rules=config.language,
        )

    # --- lifecycle ---
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        for stage, queue in zip(self.stages, self.queues, strict=True):
            self._tasks.spawn(self._run(stage, queue), stage.name)
        for stage in self.stages:
            try:
                await stage.start()
            except Exception as exc:
                # a stage that cannot start (a voice that cannot say even its fallback
                # sentence): the pipeline refuses to run, and says which stage and why
                await self.aclose()
                raise EngineFailed(stage.name, f"could not start: {exc}") from exc

    async def aclose(self) -> None:
        for queue in self.queues:
            queue.put(EndFrame())
        await self._tasks.aclose()
        for stage in self.stages:
            await stage.aclose()

    async def __aenter__(self) -> VoicebotPipeline:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _run(self, stage: Stage, queue: FrameQueue) -> None:
        while True:
            frame, direction = await queue.get_directed()
            if isinstance(frame, EndFrame):
                return
            try:
                if direction is Direction.UPSTREAM:
                    await stage.process_upstream(frame)
                else:
                    await stage.process(frame)
            except Exception as exc:
                # the frame may have been the caller's question or the bot's reply: going
                # on would leave the caller waiting for an answer that never comes
                log.warning("%s failed on %s", stage.name, type(frame).__name__)
                self._stage_failed(stage.name, exc)

    def _stage_failed(self, stage: str, error: BaseException) -> None:
        """A stage cannot go on: the transport learns it from ``next_output``."""
        if self.failure is not None:
            return  # the first failure is the one that counts
        failure = EngineFailed(stage)
        failure.__cause__ = error
        self.failure = failure
        # the type and the place, not the message: it may quote the caller's words
        where = traceback.extract_tb(error.__traceback__)[-1:]
        at = f" at {Path(where[0].filename).name}:{where[0].lineno}" if where else ""
        log.error("voicebot %s stage failed: %s%s", stage, type(error).__name__, at)
        self._out.put_nowait(_FAILED)
        self._changed.set()

    # --- wiring ---
    def _downstream_of(self, i: int) -> Callable[[Frame], None]:
        if i == len(self.stages) - 1:
            return self._sink
        return self.queues[i + 1].put

    def _upstream_of(self, i: int) -> Callable[[Frame], None] | None:
        if i == 0:
            return None  # feedback past the first stage concerns nobody
        queue = self.queues[i - 1]
        return lambda frame: queue.put(frame, Direction.UPSTREAM)

    def stage(self, kind: type[S]) -> S:
        """This pipeline's stage of type ``kind`` (measurements, tests)."""
        for stage in self.stages:
            if isinstance(stage, kind):
                return stage
        raise LookupError(f"no {kind.__name__} in this pipeline")

    # --- input (from the transport) ---
    def push_audio(self, pcm: bytes) -> None:
        """20 ms (any length works) of caller PCM16 at the call's rate."""
        frame = AudioFrame(pcm, self.sample_rate, self._t)
        self._t += frame.duration
        self.queues[0].put(frame)

    def push_dtmf(self, digit: str) -> None:
        self.queues[0].put(DTMFFrame(digit))

    def hangup(self) -> None:
        self.queues[0].put(HangupFrame("caller"))

    # --- output (to the transport) ---
    async def next_output(self) -> Frame:
        """The next thing for the transport; EngineFailed once the pipeline failed
        (after the output queued before the failure)."""
        frame = await self._out.get()
        if frame is _FAILED:
            self._out.put_nowait(_FAILED)  # every later call raises too
            assert self.failure is not None
            raise self.failure
        return frame

    def drain_output(self) -> list[Frame]:
        frames = []
        while not self._out.empty():
            frames.append(self._out.get_nowait())
        if any(f is _FAILED for f in frames):  # not output: it stays for next_output
            frames = [f for f in frames if f is not _FAILED]
            self._out.put_nowait(_FAILED)
        return frames

    def _sink(self, frame: Frame) -> None:
        """What leaves the last stage."""
        if isinstance(frame, BotAudioFrame):
            self._out.put_nowait(frame)
            return
        if isinstance(frame, BargeInFrame | HangupFrame):
            # the bot stops now: audio not yet taken by the transport is dropped
            kept = [f for f in self.drain_output() if not isinstance(f, BotAudioFrame)]
            for item in kept:
                self._out.put_nowait(item)
        self._observe(frame)
        if isinstance(frame, _FOR_THE_TRANSPORT):
            self._out.put_nowait(frame)

    # --- observation ---
    @property
    def lang(self) -> Lang:
        """The call's language: given, detected from the caller's words, or chosen."""
        return self._lang

    @property
    def lang_known(self) -> bool:
        """False while ``lang`` is only the default (no choice, not enough speech yet)."""
        return self._lang_known

    def voice(self) -> Voice | None:
        """The call's voice outside the pipeline (a last word after its stages are done,
        e.g. an apology when a hand-over fails): the TTS stage's engines, executor and
        settings at the pipeline's rate; None for a pipeline that does not speak. The
        engines are shared by the process, so the voice outlives the pipeline."""
        for stage in self.stages:
            if isinstance(stage, TtsStage):
                synth = stage.synthesizer
                return Voice(synth.engines, synth.executor, self.sample_rate, synth.config)
        return None

    def _observe(self, frame: Frame) -> None:
        if isinstance(frame, LanguageFrame):
            self._lang, self._lang_known = frame.lang, True
        self.events.append(frame)
        self._changed.set()
        if self._on_event is not None:
            self._on_event(frame)

    async def wait_for(self, predicate: Callable[[Sequence[Frame]], bool], within_s: float) -> bool:
        """Wait (without polling) until ``predicate(events)`` holds; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not predicate(self.events):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return predicate(self.events)
        return True

    def of_type(self, kind: type[F]) -> list[F]:
        return [f for f in self.events if isinstance(f, kind)]


# the presets as plain functions
voicebot_pipeline = VoicebotPipeline.voicebot
transcribe_pipeline = VoicebotPipeline.transcribe
