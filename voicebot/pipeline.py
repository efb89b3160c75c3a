"""``VoicebotPipeline``: one call's VAD → ASR → dialog → TTS → output chain.

Use on a live call (the media bridge) or on a file (``simulate``)::

    async with VoicebotPipeline(engines, knowledge, settings, sample_rate=8000) as pipe:
        pipe.push_audio(pcm20ms)            # caller audio, 20 ms PCM16 at 8 or 16 kHz
        pipe.push_dtmf("0")
        frame = await pipe.next_output()    # BotAudioFrame (20 ms, paced), BotHangupFrame,
                                            # HangupFrame
    # everything observed (transcripts, answers, actions) is in pipe.events

Each stage has its own frame queue where control frames overtake queued data;
every task belongs to a TaskOwner that cancels and awaits it on close.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Protocol, TypeVar

from guichet.settings import Settings
from guichet.tasks import TaskOwner
from voicebot.audio import SUPPORTED_CALL_RATES
from voicebot.call import CallState
from voicebot.dialog import Dialog, DialogConfig
from voicebot.engines.asr import AsrEngine
from voicebot.engines.tts import TtsEngine
from voicebot.engines.vad import VadEngine
from voicebot.errors import AudioInputError
from voicebot.frames import (
    AudioFrame,
    BotAudioFrame,
    ControlFrame,
    DTMFFrame,
    EndFrame,
    Frame,
    FrameQueue,
    HangupFrame,
    Lang,
    SilenceTimeoutFrame,
    UserStartedSpeakingFrame,
)
from voicebot.knowledge_port import Knowledge
from voicebot.stages.asr_stage import AsrStage
from voicebot.stages.base import Stage
from voicebot.stages.dialog_stage import DialogStage
from voicebot.stages.output import OutputStage
from voicebot.stages.tts_stage import TtsStage
from voicebot.stages.vad_stage import VadConfig, VadStage

F = TypeVar("F", bound=Frame)
log = logging.getLogger(__name__)


class EngineSet(Protocol):
    """What a pipeline needs (``voicebot.runtime.Engines`` or test fakes)."""

    @property
    def asr(self) -> AsrEngine: ...
    @property
    def tts(self) -> dict[Lang, TtsEngine]: ...
    @property
    def vad_factory(self) -> Callable[[], VadEngine]: ...
    @property
    def asr_pool(self) -> Executor: ...
    @property
    def tts_pool(self) -> Executor: ...
    @property
    def kb_pool(self) -> Executor: ...


class VoicebotPipeline:
    def __init__(
        self,
        engines: EngineSet,
        knowledge: Knowledge,
        settings: Settings,
        *,
        sample_rate: int = 8000,
        lang: Lang | None = None,
        greet: bool = True,
        paced: bool = True,
        humans_available: bool = False,
        silence_timeout_s: float | None = None,
        confirm_callback: bool = False,
        on_event: Callable[[Frame], None] | None = None,
    ) -> None:
        if sample_rate not in SUPPORTED_CALL_RATES:
            raise AudioInputError(f"call audio at {sample_rate} Hz: 8000 or 16000 expected")
        self.settings = settings
        # lang None: greet in the default language, detect it on the first utterance.
        self.call = CallState(
            lang=lang or settings.voicebot_lang, sample_rate=sample_rate, lang_fixed=bool(lang)
        )
        self.silence_timeout_s = (
            settings.silence_timeout_s if silence_timeout_s is None else silence_timeout_s
        )
        self.dialog = Dialog(
            DialogConfig(
                humans_available=humans_available,
                max_turns=settings.max_turns,
                max_silences=settings.max_silences,
                confirm_below=settings.confirm_below,
                confirm_callback=confirm_callback,
            ),
            lang=self.call.lang,
        )
        vad_config = VadConfig(
            end_silence_ms=settings.vad_end_silence_ms,
            resume_window_ms=settings.vad_resume_window_ms,
            barge_in_min_speech_ms=settings.barge_in_min_speech_ms,
        )
        self.vad = VadStage(engines.vad_factory(), self.call, vad_config)
        self.asr = AsrStage(engines.asr, engines.asr_pool, self.call)
        self.dialog_stage = DialogStage(
            self.dialog, knowledge, engines.kb_pool, self.call, greet=greet
        )
        self.tts = TtsStage(engines.tts, engines.tts_pool, self.call)
        self.output = OutputStage(self.call, self._observe, paced=paced, on_idle=self._bot_idle)
        self.stages: list[Stage] = [self.vad, self.asr, self.dialog_stage, self.tts, self.output]
        self.queues = [FrameQueue() for _ in self.stages]
        for stage, downstream in zip(self.stages, self.queues[1:], strict=False):
            stage.link(downstream.put)
        self.events: list[Frame] = []
        self._on_event = on_event
        self._changed = asyncio.Event()
        self._tasks = TaskOwner("pipeline")
        self._timer: asyncio.Task[None] | None = None
        self._t = 0.0
        self._started = False

    # --- lifecycle ---
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        for stage, queue in zip(self.stages, self.queues, strict=True):
            self._tasks.spawn(self._run(stage, queue), stage.name)
        await self.dialog_stage.start()

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
            frame = await queue.get()
            if isinstance(frame, EndFrame):
                return
            try:
                await stage.process(frame)
            except Exception:
                # One bad frame must not stop the call; the error is logged with the frame.
                log.exception("%s failed on %s", stage.name, type(frame).__name__)

    # --- input (from the transport) ---
    def push_audio(self, pcm: bytes) -> None:
        """20 ms (any length works) of caller PCM16 at the call's rate."""
        frame = AudioFrame(pcm, self.call.sample_rate, self._t)
        self._t += frame.duration
        self.queues[0].put(frame)

    def push_dtmf(self, digit: str) -> None:
        self._cancel_timer()
        self.queues[0].put(DTMFFrame(digit))

    def hangup(self) -> None:
        self._cancel_timer()
        self.queues[0].put(HangupFrame("caller"))

    # --- output (to the transport) ---
    async def next_output(self) -> Frame:
        return await self.output.out.get()

    def drain_output(self) -> list[Frame]:
        frames = []
        while not self.output.out.empty():
            frames.append(self.output.out.get_nowait())
        return frames

    # --- observation ---
    def _observe(self, frame: Frame) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self._cancel_timer()
        if not isinstance(frame, BotAudioFrame):
            self.events.append(frame)
            self._changed.set()
            if self._on_event is not None:
                self._on_event(frame)

    def _bot_idle(self) -> None:
        self._changed.set()
        if self.silence_timeout_s > 0 and not self.dialog.ended and not self.vad.in_speech:
            self._cancel_timer()
            self._timer = self._tasks.spawn(self._silence_timer(), "silence")

    def _cancel_timer(self) -> None:
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()  # the owner awaits it at close
        self._timer = None

    async def _silence_timer(self) -> None:
        await asyncio.sleep(self.silence_timeout_s)
        self.queues[2].put(SilenceTimeoutFrame())

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

    @property
    def control_frames(self) -> list[ControlFrame]:
        return self.of_type(ControlFrame)
