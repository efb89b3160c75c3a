"""Dialog stage: runs :class:`voicebot.dialog.Dialog` for a call.

Transcripts, DTMF and silence timeouts become dialog events; the dialog's actions
become frames (SpeakFrame, DialogActionFrame, BotHangupFrame). Knowledge lookups
run in the knowledge executor; one that fails or takes longer than its time-out is
an abstention (the bot says it has no reliable answer and offers a person). A
resumed turn (same turn, higher revision) restores the dialog state saved before
that turn and replays it. A language the caller chooses goes out as a LanguageFrame
both ways: to the observers, and back to the ASR so that it listens in that language.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor
from dataclasses import replace

from voicebot.dialog import (
    Action,
    Callback,
    CallerHangup,
    Dialog,
    DialogConfig,
    DialogState,
    Dtmf,
    Event,
    Hangup,
    KnowledgeResult,
    Lookup,
    Say,
    SilenceTimeout,
    Start,
    SwitchLanguage,
    Transfer,
    Utterance,
)
from voicebot.frames import (
    AnswerFrame,
    BargeInFrame,
    BotHangupFrame,
    DialogActionFrame,
    DTMFFrame,
    Frame,
    HangupFrame,
    Lang,
    LanguageFrame,
    SilenceTimeoutFrame,
    SpeakFrame,
    TranscriptionFrame,
    TtsDoneFrame,
    TurnCancelledFrame,
)
from voicebot.knowledge_port import Knowledge, KnowledgeAnswer, SimpleAnswer
from voicebot.stages.base import Stage, within

log = logging.getLogger(__name__)


class DialogStage(Stage):
    name = "dialog"

    def __init__(
        self,
        knowledge: Knowledge,
        executor: Executor,
        config: DialogConfig | None = None,
        *,
        lang: Lang = "fr",
        greet: bool = True,
        lookup_timeout_s: float = 1.5,
    ) -> None:
        super().__init__()
        self.dialog = Dialog(config, lang=lang)
        self.knowledge = knowledge
        self.executor = executor
        self.greet = greet
        self.lookup_timeout_s = lookup_timeout_s
        self._turn = 0
        self._snapshots: dict[int, DialogState] = {}
        self._lookup: asyncio.Task[None] | None = None
        # the card put to the caller for confirmation, until the dialog answers from it
        self._confirming: AnswerFrame | None = None

    async def start(self) -> None:
        if self.greet:
            self._act(self.dialog.handle(Start()))
        else:
            self.dialog.handle(Start())
            self.dialog.restore(replace(self.dialog.snapshot(), last_said=()))

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, TranscriptionFrame):
            self.push(frame)  # before the reply it causes
            await self._transcript(frame)
        elif isinstance(frame, DTMFFrame):
            self.push(BargeInFrame(0.0))
            await self._cancel_lookup()
            self._act(self.dialog.handle(Dtmf(frame.digit)))
        elif isinstance(frame, SilenceTimeoutFrame):
            # the caller's question is being looked up, or the call is over: no prompt
            if self._lookup is None and not self.dialog.ended:
                self._act(self.dialog.handle(SilenceTimeout()))
        elif isinstance(frame, TurnCancelledFrame):
            if self._turn == frame.turn:
                await self._cancel_lookup()
            self.push(frame)
        elif isinstance(frame, HangupFrame):
            await self._cancel_lookup()
            self.dialog.handle(CallerHangup())
            self.push(frame)
        else:
            self.push(frame)

    async def _cancel_lookup(self) -> None:
        if self._lookup is not None:
            task, self._lookup = self._lookup, None
            await self.tasks.cancel(task)

    async def _transcript(self, frame: TranscriptionFrame) -> None:
        if frame.revision > 0 and frame.turn in self._snapshots:
            await self._cancel_lookup()
            self.dialog.restore(self._snapshots[frame.turn])
        else:
            self._snapshots = {frame.turn: self.dialog.snapshot()}
        self._turn = frame.turn
        self._act(self.dialog.handle(Utterance(frame.text, frame.lang, frame.switch)), frame.turn)

    def _act(self, actions: list[Action], turn: int | None = None) -> None:
        turn = self._turn if turn is None else turn
        for action in actions:
            if isinstance(action, Say):
                confirmed = self._confirming
                if action.kind == "answer" and confirmed and confirmed.card_id == action.card_id:
                    # the caller said yes to "Vous parlez bien de … ?": answered now
                    self._confirming = None
                    self.push(
                        replace(confirmed, turn=turn, reply_text=action.text, to_confirm=False)
                    )
                self.push(SpeakFrame(action.text, action.lang, turn=turn))
            elif isinstance(action, Lookup):
                self._lookup = self.spawn(self._look_up(action, turn), f"kb{turn}")
            elif isinstance(action, Transfer):
                self.push(DialogActionFrame("transfer", action.service or action.reason, turn))
            elif isinstance(action, Callback):
                self.push(DialogActionFrame("callback", action.service or action.reason, turn))
            elif isinstance(action, Hangup):
                self.push(BotHangupFrame(action.reason))
            elif isinstance(action, SwitchLanguage):
                chosen = LanguageFrame(action.lang, "chosen")
                self.push(chosen)
                self.push_upstream(chosen)
        if not any(isinstance(a, Lookup) for a in actions):
            self.push(TtsDoneFrame(turn))

    async def _look_up(self, lookup: Lookup, turn: int) -> None:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        answer: KnowledgeAnswer
        job = loop.run_in_executor(
            self.executor, self.knowledge.answer, lookup.question, lookup.lang
        )
        try:
            answer = await within(job, self.lookup_timeout_s)
        except TimeoutError:
            # A hung index must not leave the caller waiting: the same as a failure.
            log.warning(
                "knowledge lookup took longer than %g s (turn %d)", self.lookup_timeout_s, turn
            )
            answer = SimpleAnswer(abstained=True)
        except Exception:
            # A broken index must not leave the caller in silence: say so, offer a human.
            log.exception("knowledge lookup failed (turn %d, %s)", turn, lookup.lang)
            answer = SimpleAnswer(abstained=True)
        retrieval_ms = (time.perf_counter() - started) * 1000
        self._lookup = None
        event: Event = KnowledgeResult(lookup.question, answer, lookup.lang)
        actions = self.dialog.handle(event)
        reply = " ".join(a.text for a in actions if isinstance(a, Say))
        found = AnswerFrame(
            turn=turn,
            card_id=None if answer.abstained else answer.card_id,
            abstained=answer.abstained,
            confidence=float(answer.confidence),
            retrieval_ms=retrieval_ms,
            reply_text=reply,
            title=None if answer.abstained else answer.title,
            service=answer.service,
            to_confirm=not answer.abstained and bool(getattr(answer, "to_confirm", False)),
        )
        self._confirming = found if found.to_confirm else None
        self.push(found)
        self._act(actions, turn)
