"""What live assist tells: each heard line on the bus (``AssistLine``), the final ones
on the call's case as turns (same retention as the voicebot's), and after each final
caller line the cards for what the caller just said (``AssistSuggested``; the newest
line decides, the lines before it help only when it is not enough: ``topic``)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor

from guichet.bus import EventBus
from guichet.casefile.repository import CaseRepository
from guichet.events import AssistLine, AssistSuggested, Speaker, SuggestedCard
from guichet.tasks import TaskOwner
from knowledge import CardHits, Suggest, cards_for
from pbx.assist.leg import HeardLine
from pbx.assist.topic import CallerLines

__all__ = ["ROLLING_LINES", "AssistRecorder", "suggested_event"]

log = logging.getLogger(__name__)

# the caller's last final lines (the newest included) kept as context for a newest
# line the knowledge base is not confident on alone
ROLLING_LINES = 3


def suggested_event(
    hits: CardHits, *, call_id: str, case_id: str, agent: str, for_seq: int
) -> AssistSuggested:
    return AssistSuggested(
        call_id=call_id,
        case_id=case_id,
        agent=agent,
        query=hits.query,
        cards=tuple(
            SuggestedCard(
                card_id=c.card_id,
                title=c.title,
                confidence=c.confidence,
                why=c.why,
                answer=c.answer,
                service=c.service,
            )
            for c in hits.cards
        ),
        reliable=hits.reliable,
        for_seq=for_seq,
    )


class AssistRecorder:
    def __init__(
        self,
        *,
        call_id: str,
        case_id: str,
        agent: str,
        bus: EventBus,
        cases: CaseRepository,
        suggest: Suggest | None,
        kb_pool: Executor,
    ) -> None:
        self.call_id = call_id
        self.case_id = case_id
        self.agent = agent
        self.bus = bus
        self.cases = cases
        self.suggest = suggest
        self.kb_pool = kb_pool
        self.caller_lines = CallerLines(ROLLING_LINES)
        self._turns: asyncio.Queue[tuple[Speaker, str] | None] = asyncio.Queue()
        self._tasks = TaskOwner(f"assist-{call_id}")
        self._suggesting: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._writer = self._tasks.spawn(self._write(), "case-turns")

    def heard(self, speaker: Speaker, line: HeardLine) -> None:
        self.bus.publish(
            AssistLine(
                call_id=self.call_id,
                case_id=self.case_id,
                agent=self.agent,
                speaker=speaker,
                text=line.text,
                final=line.final,
                seq=line.seq,
                started_at=line.started_at,
                speech_end_at=line.speech_end_at,
            )
        )
        if not line.final:
            return
        self._turns.put_nowait((speaker, line.text))
        if speaker == "caller":
            self.caller_lines.add(line.text)
            self.refresh(line.seq, line.lang)

    def refresh(self, for_seq: int, lang: str = "fr") -> None:
        """Cards for the caller's newest line (with the lines before it as context
        when it is not enough alone); a newer line supersedes a lookup still running
        (the agent wants the cards for what was just said)."""
        if self.suggest is None or not self.caller_lines:
            return
        if self._suggesting is not None and not self._suggesting.done():
            self._suggesting.cancel()
        number, newest = self.caller_lines.newest
        context = self.caller_lines.context(number)
        self._suggesting = self._tasks.spawn(
            self._suggest(self.suggest, number, context, newest, lang, for_seq), "suggest"
        )

    async def _suggest(
        self,
        suggest: Suggest,
        number: int,
        context: tuple[str, ...],
        newest: str,
        lang: str,
        for_seq: int,
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            # both lookups (the newest line alone, then with its context) are one
            # job in the kb pool: the CPU stays there, off the event loop
            found = await loop.run_in_executor(
                self.kb_pool, cards_for, suggest, context, newest, lang
            )
        except Exception:
            log.exception("call %s: assist cards not looked up", self.call_id)
            return
        if found.alone:
            self.caller_lines.starts_topic(number)
        self.bus.publish(
            suggested_event(
                found.hits,
                call_id=self.call_id,
                case_id=self.case_id,
                agent=self.agent,
                for_seq=for_seq,
            )
        )

    async def _write(self) -> None:
        while (item := await self._turns.get()) is not None:
            speaker, text = item
            try:
                await self.cases.add_turn(self.case_id, speaker, text)
            except Exception:
                # one line lost from the case must not stop the transcript
                log.exception("call %s: assist line not stored on its case", self.call_id)

    async def aclose(self, drain_s: float = 5.0) -> None:
        """The last lines reach the case (within ``drain_s``), then everything stops."""
        self._turns.put_nowait(None)
        if self._writer is not None:
            await asyncio.wait({self._writer}, timeout=drain_s)
        await self._tasks.aclose()
