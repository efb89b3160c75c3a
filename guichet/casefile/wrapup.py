"""The desk's wrap-up, one click each: answered at the first level (with the card
used), escalated to a service (with the summary the agent edited), a callback
booked (through :class:`~guichet.casefile.callbacks.CallbackBook`: SMS in the same
commit), transferred. Each carries a wrap-up code and is stored on the case with
its times, for the KPIs.

The first wrap-up of a case is the first level's: it sets ``first_level``, who
wrapped up and when (and from that the wrap-up time). A later one (the expert's,
after an escalation) updates the action and its own column but leaves the first
level's facts as they were. The same click sent twice (a double click, a retried
request) changes nothing the second time and says so (``repeated``): the caller
is not moved twice, no second callback is booked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.errors import InvalidCaseUpdate
from guichet.casefile.handling import desk_times
from guichet.casefile.records import (
    CallbackRecord,
    CaseRecord,
    DeskRole,
    Outcome,
    Speaker,
    WrapUpAction,
    as_utc,
)
from guichet.casefile.repository import CaseRepository, case_record, lock_case
from guichet.casefile.summary import Summarizer, Summary
from guichet.store import Store
from guichet.store.models import Case, CaseTurn, utcnow

__all__ = ["MAX_CODE", "MAX_SUMMARY", "WrapUpResult", "WrapUps"]

MAX_CODE = 64  # the column's length (migration 0011)
MAX_SUMMARY = 4000  # an edited summary is a note, not a letter


@dataclass(frozen=True)
class WrapUpResult:
    case: CaseRecord
    repeated: bool  # the same wrap-up was already recorded: nothing was done again
    callback: CallbackRecord | None = None


def _code(code: str) -> str:
    text = " ".join(code.split())
    if len(text) > MAX_CODE:
        raise InvalidCaseUpdate(f"a wrap-up code is at most {MAX_CODE} characters")
    return text


class WrapUps:
    """Records wrap-ups on cases; construct once per process, share."""

    def __init__(
        self, store: Store, cases: CaseRepository, callbacks: CallbackBook, summarizer: Summarizer
    ) -> None:
        self._store = store
        self._cases = cases
        self._callbacks = callbacks
        self._summarizer = summarizer

    # --- the sync body, run in a thread ---
    def _record(
        self,
        case_id: str,
        by: str,
        role: DeskRole,
        action: WrapUpAction,
        code: str,
        target: str | None,
        summary: str | None,
        note: str | None,
        now: datetime,
    ) -> WrapUpResult:
        with self._store.session() as session:
            case = lock_case(session, case_id, now)
            if (
                case.wrapup_action == action.value
                and case.wrapup_code == code
                and _target_of(case, action) == target
            ):
                return WrapUpResult(case_record(case), repeated=True)
            first = case.wrapped_up_at is None
            case.wrapup_action = action.value
            case.wrapup_code = code
            if first:
                case.first_level = action is WrapUpAction.FIRST_LEVEL and role is DeskRole.AGENT
                case.wrapped_up_at = now
                case.wrapped_up_by = by
                desk_times(case)
            match action:
                case WrapUpAction.FIRST_LEVEL:
                    case.card_used = target
                    answered = (
                        Outcome.ANSWERED_BY_EXPERT
                        if role is DeskRole.EXPERT
                        else Outcome.ANSWERED_BY_RECEPTION
                    )
                    case.outcome = answered.value
                    if case.closed_at is None:
                        case.closed_at = now
                case WrapUpAction.ESCALATED:
                    case.escalated_to = target
                    case.service = target
                    case.outcome = Outcome.ESCALATED.value
                    case.closed_at = None  # an expert has to act
                    if summary is not None:
                        case.summary = summary
                case WrapUpAction.TRANSFERRED:
                    case.transferred_to = target
                case WrapUpAction.CALLBACK:
                    pass  # the booking set the outcome, in its own commit
            said = note or target or ""
            _note(session, case, f"{role.value} {by}: {action.value} {said}".strip(), now)
            session.flush()
            return WrapUpResult(case_record(case), repeated=False)

    async def _wrap(
        self,
        case_id: str,
        by: str,
        role: DeskRole,
        action: WrapUpAction,
        code: str,
        target: str | None,
        summary: str | None = None,
        note: str | None = None,
    ) -> WrapUpResult:
        return await asyncio.to_thread(
            self._record, case_id, by, role, action, _code(code), target, summary, note, utcnow()
        )

    # --- async API ---
    async def first_level(
        self, case_id: str, *, by: str, role: DeskRole, card_id: str | None, code: str = ""
    ) -> WrapUpResult:
        """Answered by whoever took the call, from ``card_id`` (None: without a card)."""
        return await self._wrap(case_id, by, role, WrapUpAction.FIRST_LEVEL, code, card_id)

    async def escalated(
        self, case_id: str, *, by: str, role: DeskRole, service: str, summary: str, code: str = ""
    ) -> WrapUpResult:
        """Sent to ``service``'s queue with ``summary`` (the agent's edit of the draft;
        empty: the draft as it stands)."""
        text = summary.strip()
        if len(text) > MAX_SUMMARY:
            raise InvalidCaseUpdate(f"a summary is at most {MAX_SUMMARY} characters")
        if not text:
            text = (await self.summary_draft(case_id)).text
        return await self._wrap(case_id, by, role, WrapUpAction.ESCALATED, code, service, text)

    async def transferred(
        self, case_id: str, *, by: str, role: DeskRole, to: str, code: str = ""
    ) -> WrapUpResult:
        if not to.strip():
            raise InvalidCaseUpdate("transferred to whom?")
        return await self._wrap(case_id, by, role, WrapUpAction.TRANSFERRED, code, to.strip())

    async def callback(
        self,
        case_id: str,
        *,
        by: str,
        role: DeskRole,
        number: str,
        service: str | None,
        due: datetime | None,
        code: str = "",
    ) -> WrapUpResult:
        """Book the callback (InvalidNumber before anything is written; the same case
        and number twice books one), then record the wrap-up."""
        booked = await self._callbacks.book_callback(
            case_id, number, service=service, due=None if due is None else as_utc(due)
        )
        # the booking is its own idempotency (one per case and number): the wrap-up
        # matches on the action and code alone
        result = await self._wrap(
            case_id, by, role, WrapUpAction.CALLBACK, code, None, note=booked.reference
        )
        return WrapUpResult(result.case, result.repeated, booked)

    async def summary_draft(self, case_id: str) -> Summary:
        """The summary to edit: template from the transcript, or the configured LLM."""
        return await self._summarizer.summarize(await self._cases.get_case(case_id))


def _target_of(case: Case, action: WrapUpAction) -> str | None:
    match action:
        case WrapUpAction.FIRST_LEVEL:
            return case.card_used
        case WrapUpAction.ESCALATED:
            return case.escalated_to
        case WrapUpAction.TRANSFERRED:
            return case.transferred_to
        case WrapUpAction.CALLBACK:
            return None


def _note(session: Session, case: Case, text: str, now: datetime) -> None:
    """A system turn: the wrap-ups stay in the case's history, in order."""
    last = session.scalar(select(func.max(CaseTurn.seq)).where(CaseTurn.case_id == case.id))
    session.add(
        CaseTurn(
            case_id=case.id,
            seq=(last or 0) + 1,
            speaker=Speaker.SYSTEM.value,
            text=f"wrap-up: {text}",
            at=now,
        )
    )
