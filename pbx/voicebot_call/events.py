"""What the conversation produces, written to the case in order and published on the
bus: the caller's turns, the bot's turns, the cards proposed, the abstentions; and
the engines' incidents, counted in the store (``guichet status``).

The pipeline reports frames from its own tasks; writes to the store are queued and
run one after the other by :class:`CaseWriter`, so the call never waits on the disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from guichet.bus import EventBus
from guichet.casefile.repository import CaseRepository
from guichet.events import Abstained, CardProposed, TurnTranscribed
from guichet.incidents import IncidentLog
from voicebot import AnswerFrame, EngineIncidentFrame, SpeakFrame, TranscriptionFrame

__all__ = ["CaseWriter", "ConversationRecorder"]

log = logging.getLogger(__name__)


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


class ConversationRecorder:
    """Frames in; case updates and catalogue events out."""

    def __init__(
        self,
        *,
        call_id: str,
        case_id: str,
        cases: CaseRepository,
        bus: EventBus,
        services: set[str],
    ) -> None:
        self.call_id = call_id
        self.case_id = case_id
        self.cases = cases
        self.bus = bus
        self.services = services
        self.writer = CaseWriter(cases, case_id)
        self.incidents = IncidentLog(cases.store)
        self._answers: dict[int, AnswerFrame] = {}
        self._lang_recorded: str | None = None
        self.service: str | None = None  # the expert service of the last topic
        self.answered = 0  # questions answered from a card

    def transcribed(self, frame: TranscriptionFrame) -> None:
        if frame.rejected or not frame.text.strip():
            log.info(
                "call %s: turn %d not understood (%s)", self.call_id, frame.turn, frame.rejected
            )
            return
        cases, case_id, text, lang = self.cases, self.case_id, frame.text, frame.lang
        if lang != self._lang_recorded:
            self._lang_recorded = lang
            self.writer.put(lambda: cases.set_language(case_id, lang))
        self.writer.put(lambda: cases.add_turn(case_id, "caller", text))
        # what the caller said stays out of the log (personal data); the case has it
        log.info("call %s: turn %d heard (%s)", self.call_id, frame.turn, lang)
        self.bus.publish(
            TurnTranscribed(
                call_id=self.call_id,
                case_id=case_id,
                speaker="caller",
                text=text,
                turn=frame.turn,
                lang=lang,
            )
        )

    def answered_from(self, frame: AnswerFrame) -> None:
        if frame.to_confirm:
            # only put to the caller: answered (and recorded) when they say yes
            log.info(
                "call %s: turn %d asks to confirm card %s (%.2f)",
                self.call_id,
                frame.turn,
                frame.card_id,
                frame.confidence,
            )
            return
        self._answers[frame.turn] = frame
        if frame.abstained or frame.card_id is None:
            log.info("call %s: turn %d has no reliable answer", self.call_id, frame.turn)
            self.bus.publish(
                Abstained(
                    call_id=self.call_id,
                    case_id=self.case_id,
                    turn=frame.turn,
                    confidence=frame.confidence,
                )
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
        cases, case_id = self.cases, self.case_id
        card_id, confidence, title, service = (
            frame.card_id,
            frame.confidence,
            frame.title,
            frame.service,
        )
        if service in self.services:
            self.service = service
        self.writer.put(lambda: cases.add_proposal(case_id, card_id, confidence, title=title))
        self.writer.put(lambda: cases.set_topic(case_id, card_id, title, service))
        self.bus.publish(
            CardProposed(
                call_id=self.call_id,
                case_id=case_id,
                turn=frame.turn,
                card_id=card_id,
                title=title,
                service=service,
                confidence=confidence,
            )
        )

    def said(self, frame: SpeakFrame) -> None:
        answer = self._answers.pop(frame.turn, None)
        cases, case_id, text = self.cases, self.case_id, frame.text
        # the bot's own words (cards, prompts): no personal data
        log.info("call %s: bot says: %s", self.call_id, text[:70])
        card_id = answer.card_id if answer is not None and not answer.abstained else None
        # an abstention keeps its confidence (and no card): the KPIs' "questions abstained
        # most" reads a bot turn with a confidence but no card as one
        confidence = answer.confidence if answer is not None else None
        self.writer.put(
            lambda: cases.add_turn(case_id, "bot", text, card_id=card_id, confidence=confidence)
        )
        self.bus.publish(
            TurnTranscribed(
                call_id=self.call_id,
                case_id=case_id,
                speaker="bot",
                text=text,
                turn=frame.turn,
                lang=frame.lang,
                card_id=card_id,
            )
        )

    def incident(self, frame: EngineIncidentFrame) -> None:
        """An engine let the call down (the bot made do): counted in the store."""
        log.warning(
            "call %s: %s incident (%s, %s)", self.call_id, frame.engine, frame.kind, frame.lang
        )
        incidents, call_id = self.incidents, self.call_id
        engine, kind, lang = frame.engine, frame.kind, frame.lang
        self.writer.put(
            lambda: incidents.record(engine=engine, kind=kind, lang=lang, call_id=call_id)
        )
