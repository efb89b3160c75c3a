"""The voicebot on a live call: a voicebot pipeline fed by a :class:`MediaLink`.

Caller audio goes from the websocket into the pipeline; the pipeline's paced 20 ms
frames go back. A barge-in also flushes what Asterisk has queued, so the caller
hears the bot stop at once. What the conversation produces goes to the
:class:`ConversationRecorder` (the case and the bus).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from guichet.tasks import TaskOwner, cancel_and_wait
from pbx.errors import MediaError
from pbx.media.link import MediaLink
from pbx.voicebot_call.events import ConversationRecorder
from voicebot import (
    AnswerFrame,
    BargeInFrame,
    BotAudioFrame,
    BotHangupFrame,
    DialogActionFrame,
    EngineFailed,
    EngineIncidentFrame,
    Frame,
    HangupFrame,
    LanguageFrame,
    SpeakFrame,
    TranscriptionFrame,
    VoicebotPipeline,
)

__all__ = ["OutcomeKind", "PipelineFactory", "VoicebotCall", "VoicebotOutcome"]

log = logging.getLogger(__name__)

OutcomeKind = Literal[
    "transfer", "callback", "hangup", "caller_hangup", "media_lost", "engine_failed"
]
# what the conversation said is on the case before the call moves on, unless the store
# is stuck: the caller is not kept waiting for a transcript line (the session gives the
# store time-out here)
WRITER_DRAIN_S = 10.0


@dataclass(frozen=True)
class VoicebotOutcome:
    kind: OutcomeKind
    reason: str  # engine_failed: the pipeline stage that failed ("asr", "tts"…)
    service: str | None = None  # the expert service of the topic, when known
    answered: int = 0  # questions answered from a card
    lang: str = "fr"
    lang_known: bool = False  # the caller spoke or chose it (not just the default)


class PipelineFactory(Protocol):
    """Builds one call's voicebot pipeline (the engines and settings are the wiring's)."""

    def __call__(
        self,
        *,
        sample_rate: int,
        lang: Literal["fr", "en"] | None,
        humans_available: bool,
        on_event: Callable[[Frame], None],
    ) -> VoicebotPipeline: ...


class VoicebotCall:
    def __init__(
        self,
        *,
        link: MediaLink,
        make_pipeline: PipelineFactory,
        recorder: ConversationRecorder,
        lang: str | None,
        humans_available: bool,
        drain_s: float = WRITER_DRAIN_S,
    ) -> None:
        self.call_id = recorder.call_id
        self.drain_s = drain_s
        self.link = link
        self.recorder = recorder
        self.pipeline = make_pipeline(
            sample_rate=link.sample_rate,
            # unknown yet (None): the greeting is in the default language, the first
            # utterances decide (or the caller presses 2 / says "English")
            lang="en" if lang == "en" else "fr" if lang == "fr" else None,
            humans_available=humans_available,
            on_event=self.on_event,
        )
        self._tasks = TaskOwner(f"voicebot-{self.call_id}")

    # --- from the transport ---
    def push_audio(self, pcm: bytes) -> None:
        self.pipeline.push_audio(pcm)

    def push_dtmf(self, digit: str) -> None:
        self.pipeline.push_dtmf(digit)

    # --- the conversation ---
    async def run(self) -> VoicebotOutcome:
        """Until the dialog hands over, says goodbye, or the media goes away."""
        writer = self._tasks.spawn(self.recorder.writer.run(), "case-writer")
        try:
            async with self.pipeline:
                return await self._play_out()
        except EngineFailed as failed:
            # the pipeline would not start (a voice that cannot say a word): to people
            log.exception("call %s: the voicebot would not start", self.call_id)
            return self._outcome("engine_failed", failed.stage)
        finally:
            self.recorder.writer.finish()
            await asyncio.wait({writer}, timeout=self.drain_s)
            if not writer.done():
                log.warning("call %s: the case's last turns not written in time", self.call_id)
            await self._tasks.aclose()

    async def _play_out(self) -> VoicebotOutcome:
        lost = asyncio.ensure_future(self.link.wait_closed())
        try:
            while True:
                get = asyncio.ensure_future(self.pipeline.next_output())
                done, _ = await asyncio.wait({get, lost}, return_when="FIRST_COMPLETED")
                if get not in done:
                    await cancel_and_wait(get)
                    return self._outcome("media_lost", "media websocket closed")
                try:
                    frame = get.result()
                except EngineFailed as failed:
                    # the bot can no longer hear or speak: the call goes to people
                    return self._outcome("engine_failed", failed.stage)
                if isinstance(frame, BotAudioFrame):
                    try:
                        await self.link.send(frame.pcm)
                    except MediaError:
                        return self._outcome("media_lost", "media websocket closed")
                elif isinstance(frame, DialogActionFrame):
                    # the dialog names the topic's service when it knows one
                    known = self.recorder.services
                    service = frame.reason if frame.reason in known else self.recorder.service
                    return self._outcome(frame.kind, frame.reason, service)
                elif isinstance(frame, BotHangupFrame):
                    return self._outcome("hangup", frame.reason)
                elif isinstance(frame, HangupFrame):
                    return self._outcome("caller_hangup", frame.reason)
        finally:
            await cancel_and_wait(lost)

    def _outcome(
        self, kind: OutcomeKind, reason: str, service: str | None = None
    ) -> VoicebotOutcome:
        pipe = self.pipeline
        return VoicebotOutcome(
            kind, reason, service, self.recorder.answered, pipe.lang, pipe.lang_known
        )

    def on_event(self, frame: Frame) -> None:
        """The pipeline's observer: everything but the bot's audio."""
        if isinstance(frame, BargeInFrame):
            log.info("call %s: barge-in", self.call_id)
            self._tasks.spawn(self.link.flush(), "flush")
        elif isinstance(frame, TranscriptionFrame):
            self.recorder.transcribed(frame)
        elif isinstance(frame, AnswerFrame):
            self.recorder.answered_from(frame)
        elif isinstance(frame, SpeakFrame):
            self.recorder.said(frame)
        elif isinstance(frame, EngineIncidentFrame):
            self.recorder.incident(frame)
        elif isinstance(frame, LanguageFrame):
            # the case's language follows the transcripts (the recorder); the call's
            # is learnt when the conversation ends (VoicebotOutcome.lang_known)
            log.info("call %s: language %s (%s)", self.call_id, frame.lang, frame.source)
