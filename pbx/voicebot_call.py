"""The voicebot on a live call: a :class:`VoicebotPipeline` fed by a :class:`MediaLink`.

Caller audio goes from the websocket into the pipeline; the pipeline's paced 20 ms
frames go back. A barge-in also flushes what Asterisk has queued, so the caller
hears the bot stop at once. Everything the conversation produces (transcripts,
answers, cards) is written to the case in order and published on the bus.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from guichet.bus import BusEvent, EventBus
from guichet.casefile.repository import CaseRepository
from guichet.settings import Settings
from guichet.tasks import TaskOwner, cancel_and_wait
from pbx.errors import MediaError
from pbx.media.link import MediaLink
from voicebot.frames import (
    AnswerFrame,
    BargeInFrame,
    BotAudioFrame,
    BotHangupFrame,
    DialogActionFrame,
    Frame,
    HangupFrame,
    SpeakFrame,
    TranscriptionFrame,
)
from voicebot.knowledge_port import Knowledge, KnowledgeAnswer
from voicebot.pipeline import EngineSet, VoicebotPipeline

log = logging.getLogger(__name__)

OutcomeKind = Literal["transfer", "callback", "hangup", "caller_hangup", "media_lost"]


@dataclass(frozen=True)
class VoicebotOutcome:
    kind: OutcomeKind
    reason: str
    service: str | None = None  # the expert service of the topic, when known
    answered: int = 0  # questions answered from a card
    lang: str = "fr"
    lang_known: bool = False  # the caller spoke or chose it (not just the default)


class CaseWriter:
    """Writes case updates one after the other, off the pipeline's callbacks."""

    def __init__(self, cases: CaseRepository, case_id: str) -> None:
        self.cases = cases
        self.case_id = case_id
        self._queue: asyncio.Queue[Callable[[], Awaitable[object]] | None] = asyncio.Queue()

    def put(self, write: Callable[[], Awaitable[object]]) -> None:
        self._queue.put_nowait(write)

    async def run(self) -> None:
        while (write := await self._queue.get()) is not None:
            try:
                await write()
            except Exception:
                log.exception("case %s: could not record an update", self.case_id)

    def finish(self) -> None:
        """``run`` returns once what is already queued is written."""
        self._queue.put_nowait(None)


class _Remembering:
    """The knowledge base, remembering its last answer (title and service are not in
    the pipeline's frames; one lookup runs at a time per call)."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.last: KnowledgeAnswer | None = None

    def answer(self, question: str, lang: str) -> KnowledgeAnswer:
        answer = self.knowledge.answer(question, lang)
        self.last = answer
        return answer


class VoicebotCall:
    def __init__(
        self,
        *,
        call_id: str,
        case_id: str,
        link: MediaLink,
        engines: EngineSet,
        knowledge: Knowledge,
        settings: Settings,
        cases: CaseRepository,
        bus: EventBus,
        humans_available: bool,
        services: set[str],
        lang: str | None,
        greet: bool = True,
    ) -> None:
        self.call_id = call_id
        self.case_id = case_id
        self.link = link
        self.bus = bus
        self.cases = cases
        self.writer = CaseWriter(cases, case_id)
        self.services = services
        self.knowledge = _Remembering(knowledge)
        self.pipeline = VoicebotPipeline(
            engines,
            self.knowledge,
            settings,
            sample_rate=link.sample_rate,
            lang="en" if lang == "en" else "fr" if lang == "fr" else None,
            greet=greet,
            humans_available=humans_available,
            confirm_callback=True,
            on_event=self._on_event,
        )
        self._tasks = TaskOwner(f"voicebot-{call_id}")
        self._answers: dict[int, AnswerFrame] = {}
        self._service: str | None = None
        self._lang_recorded: str | None = None
        self.answered = 0

    # --- from the transport ---
    def push_audio(self, pcm: bytes) -> None:
        self.pipeline.push_audio(pcm)

    def push_dtmf(self, digit: str) -> None:
        self.pipeline.push_dtmf(digit)

    # --- the conversation ---
    async def run(self) -> VoicebotOutcome:
        """Until the dialog hands over, says goodbye, or the media goes away."""
        writer = self._tasks.spawn(self.writer.run(), "case-writer")
        try:
            async with self.pipeline:
                return await self._play_out()
        finally:
            self.writer.finish()
            await asyncio.wait({writer}, timeout=10)
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
                frame = get.result()
                if isinstance(frame, BotAudioFrame):
                    try:
                        await self.link.send(frame.pcm)
                    except MediaError:
                        return self._outcome("media_lost", "media websocket closed")
                elif isinstance(frame, DialogActionFrame):
                    # the dialog names the topic's service when it knows one
                    service = frame.reason if frame.reason in self.services else self._service
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
        call = self.pipeline.call
        return VoicebotOutcome(kind, reason, service, self.answered, call.lang, call.lang_fixed)

    def _on_event(self, frame: Frame) -> None:
        if isinstance(frame, BargeInFrame):
            log.info("call %s: barge-in", self.call_id)
            self._tasks.spawn(self.link.flush(), "flush")
        elif isinstance(frame, TranscriptionFrame):
            self._transcribed(frame)
        elif isinstance(frame, AnswerFrame):
            self._answered(frame)
        elif isinstance(frame, SpeakFrame):
            self._said(frame)

    def _transcribed(self, frame: TranscriptionFrame) -> None:
        if frame.rejected or not frame.text.strip():
            log.info(
                "call %s: turn %d not understood (%s)", self.call_id, frame.turn, frame.rejected
            )
            return
        case_id, text = self.case_id, frame.text
        if frame.lang != self._lang_recorded:
            self._lang_recorded = frame.lang
            lang = frame.lang
            self.writer.put(lambda: self.cases.set_language(case_id, lang))
        self.writer.put(lambda: self.cases.add_turn(case_id, "caller", text))
        # what the caller said stays out of the log (personal data); the case has it
        log.info("call %s: turn %d heard (%s)", self.call_id, frame.turn, frame.lang)
        self.bus.publish(
            BusEvent(
                "call.turn_transcribed",
                {"call_id": self.call_id, "case_id": case_id, "turn": frame.turn, "text": text},
            )
        )

    def _answered(self, frame: AnswerFrame) -> None:
        self._answers[frame.turn] = frame
        if frame.abstained or frame.card_id is None:
            log.info("call %s: turn %d has no reliable answer", self.call_id, frame.turn)
            self.bus.publish(
                BusEvent("call.abstained", {"call_id": self.call_id, "case_id": self.case_id})
            )
            return
        self.answered += 1
        log.info(
            "call %s: turn %d answered from card %s (%.2f)",
            self.call_id,
            frame.turn,
            frame.card_id,
            frame.confidence,
        )
        case_id, card_id, confidence = self.case_id, frame.card_id, frame.confidence
        known = self.knowledge.last
        title = known.title if known is not None and known.card_id == card_id else None
        service = known.service if known is not None and known.card_id == card_id else None
        if service in self.services:
            self._service = service
        self.writer.put(lambda: self.cases.add_proposal(case_id, card_id, confidence, title=title))
        self.writer.put(lambda: self.cases.set_topic(case_id, card_id, title, service))
        self.bus.publish(
            BusEvent(
                "call.card_proposed",
                {
                    "call_id": self.call_id,
                    "case_id": case_id,
                    "card_id": card_id,
                    "confidence": confidence,
                },
            )
        )

    def _said(self, frame: SpeakFrame) -> None:
        answer = self._answers.pop(frame.turn, None)
        case_id, text = self.case_id, frame.text
        # the bot's own words (cards, prompts): no personal data
        log.info("call %s: bot says: %s", self.call_id, text[:70])
        card_id = answer.card_id if answer is not None and not answer.abstained else None
        confidence = answer.confidence if card_id is not None and answer is not None else None
        self.writer.put(
            lambda: self.cases.add_turn(
                case_id, "bot", text, card_id=card_id, confidence=confidence
            )
        )
