"""The case routes: the case a desk account reads (audited), and the wrap-up in one
click, each with a wrap-up code.

- ``GET /api/cases/{case_id}``, ``GET /api/calls/{call_id}/case``: the whole case
  file (transcript, cards tried, summary, callbacks, the desk's wrap-up);
- ``GET /api/cases/{case_id}/summary-draft``: the summary to edit before escalating
  (template from the transcript, or the configured LLM endpoint);
- ``POST /api/cases/{case_id}/first-level`` {card_id}, ``/escalate`` {service,
  summary}, ``/callback`` {number, service, due}, ``/transferred`` {to}; each takes
  an optional ``code`` (the wrap-up code; the action's name when none is given).

Who: reads for agents and experts (per object: :mod:`agent_softphone.cases.objects`),
supervisors and admins; wrap-ups for the agents and experts on the case. A click
sent twice does nothing the second time (``repeated``): the caller is moved once,
one callback is booked. CSRF is checked by the session middleware on every POST."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from agent_softphone.access import Principal, require
from agent_softphone.cases.objects import CaseAccess
from agent_softphone.desk import desk_policy
from agent_softphone.state import AppState
from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.errors import CaseNotFound, InvalidCaseUpdate, InvalidNumber
from guichet.casefile.handling import CaseAgents
from guichet.casefile.records import CaseFile, DeskRecord, DeskRole, WrapUpAction
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer
from guichet.casefile.wrapup import MAX_CODE, MAX_SUMMARY, WrapUpResult, WrapUps
from guichet.errors import GuichetError
from guichet.events import CallbackBooked, CallEscalated, CaseWrappedUp
from guichet.jsonable import dataclass_json

__all__ = ["case_json", "cases_router"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

READERS = ("agent", "expert", "supervisor", "admin")
DESK_ROLES = ("agent", "expert")
_SLUG = r"^[a-z0-9][a-z0-9._-]{0,79}$"
# module level: FastAPI resolves the routes' (string) annotations in this namespace
Reader = Annotated[Principal, Depends(require(*READERS))]
Desk = Annotated[Principal, Depends(require(*DESK_ROLES))]


class FirstLevelRequest(BaseModel):
    card_id: str | None = Field(default=None, max_length=128)
    code: str = Field(default="", max_length=MAX_CODE)


class EscalateRequest(BaseModel):
    service: str = Field(pattern=_SLUG)
    summary: str = Field(default="", max_length=MAX_SUMMARY)
    code: str = Field(default="", max_length=MAX_CODE)


class CallbackRequest(BaseModel):
    number: str = Field(min_length=1, max_length=40)
    service: str | None = Field(default=None, pattern=_SLUG)
    due: datetime | None = None  # None: the working-hours rule
    code: str = Field(default="", max_length=MAX_CODE)


class TransferredRequest(BaseModel):
    to: str = Field(min_length=1, max_length=120)
    code: str = Field(default="", max_length=MAX_CODE)


def case_json(case_file: CaseFile) -> dict[str, Any]:
    """The whole case file, JSON-ready."""
    return dataclass_json(case_file)


def _desk_json(desk: DeskRecord) -> dict[str, Any]:
    return dataclass_json(desk)


def _role(who: Principal) -> DeskRole:
    return DeskRole.EXPERT if who.role == "expert" else DeskRole.AGENT


def _code(code: str, action: WrapUpAction) -> str:
    return code.strip() or action.value


def cases_router(state: AppState) -> APIRouter:
    store = state.store
    access = CaseAccess(store)
    cases = CaseRepository(store)
    policy = desk_policy(state)
    handling = CaseAgents(store, policy.queues.reception)
    wrapups = WrapUps(
        store,
        cases,
        CallbackBook.from_settings(store, state.settings),
        Summarizer.from_settings(state.settings),
    )
    escalating: dict[str, asyncio.Lock] = {}
    router = APIRouter()

    async def readable(who: Principal, case_id: str) -> None:
        if not await access.may_read_case(who, case_id):
            # an unknown case and another's case answer alike to a desk account
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not a case of yours")

    async def read(who: Principal, case_id: str) -> dict[str, Any]:
        try:
            return case_json(await access.read_case(who, case_id))
        except CaseNotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such case") from None
        except GuichetError:
            log.exception("case %s: audit row not written, case not shown", case_id)
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "the read could not be audited"
            ) from None

    async def call_of(who: Principal, case_id: str) -> str | None:
        """The call this person is on for the case: their own leg's, else the case's."""
        rows = [r for r in await handling.for_case(case_id) if r.username == who.username]
        live = [r for r in rows if r.ended_at is None] or rows
        if live:
            return live[-1].call_id
        return (await cases.get_case(case_id)).case.call_id

    def wrapped(who: Principal, result: WrapUpResult, call_id: str | None, **extra: Any) -> None:
        if state.bus is None or result.repeated:
            return
        desk = result.case.desk
        state.bus.publish(
            CaseWrappedUp(
                call_id=call_id or "",
                case_id=result.case.id,
                agent=who.username,
                action=desk.action.value if desk.action else "",
                code=desk.code or "",
                **extra,
            )
        )

    def answer(result: WrapUpResult) -> dict[str, Any]:
        reply: dict[str, Any] = {
            "case_id": result.case.id,
            "outcome": result.case.outcome.value,
            "repeated": result.repeated,
            "desk": _desk_json(result.case.desk),
        }
        if result.callback is not None:
            booked = result.callback
            reply["callback"] = {
                "id": booked.id,
                "reference": booked.reference,
                "due_by": booked.due_by.isoformat(),
                "service": booked.service,
                "sms_queued": booked.sms_id is not None,
                "sms_refused": booked.sms_refused,
            }
        return reply

    @router.get("/api/cases/{case_id}")
    async def get_case(who: Reader, case_id: str) -> dict[str, Any]:
        await readable(who, case_id)
        return await read(who, case_id)

    @router.get("/api/calls/{call_id}/case")
    async def get_call_case(who: Reader, call_id: str) -> dict[str, Any]:
        if not await access.may_read_call(who, call_id):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not a call of yours")
        case_id = await handling.case_id_of(call_id)
        if case_id is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no case for this call")
        return await read(who, case_id)

    @router.get("/api/cases/{case_id}/summary-draft")
    async def summary_draft(who: Desk, case_id: str) -> dict[str, Any]:
        await readable(who, case_id)
        await read(who, case_id)  # the draft quotes the transcript: audited as a read
        draft = await wrapups.summary_draft(case_id)
        return {"case_id": case_id, "text": draft.text, "source": draft.source}

    @router.post("/api/cases/{case_id}/first-level")
    async def first_level(who: Desk, case_id: str, body: FirstLevelRequest) -> dict[str, Any]:
        await readable(who, case_id)
        code = _code(body.code, WrapUpAction.FIRST_LEVEL)
        result = await _guard(
            wrapups.first_level(
                case_id, by=who.username, role=_role(who), card_id=body.card_id, code=code
            )
        )
        wrapped(who, result, await call_of(who, case_id), card_id=body.card_id)
        return answer(result)

    @router.post("/api/cases/{case_id}/escalate")
    async def escalate(who: Desk, case_id: str, body: EscalateRequest) -> dict[str, Any]:
        await readable(who, case_id)
        queue = policy.queues.services.get(body.service)
        if queue is None and body.service in policy.queues.all_queues():
            queue = body.service
        if queue is None or queue == policy.queues.reception:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "no such service")
        code = _code(body.code, WrapUpAction.ESCALATED)
        # one escalation of a case at a time in this process: a double click waits
        # for the first, then finds it done
        async with escalating.setdefault(case_id, asyncio.Lock()):
            current = (await _guard(cases.get_case(case_id))).case
            if current.desk.action is WrapUpAction.ESCALATED and (
                current.desk.escalated_to == body.service
            ):
                return answer(WrapUpResult(current, repeated=True))
            call_id = await call_of(who, case_id)
            if call_id is None:
                raise HTTPException(status.HTTP_409_CONFLICT, "no call to escalate")
            if state.desk is None:
                raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no call side")
            summary = body.summary.strip() or (await wrapups.summary_draft(case_id)).text
            # the summary first: the expert's ring reads it from the case
            await _guard(cases.set_summary(case_id, summary))
            try:
                await state.desk.escalate(call_id, queue, case_id)
            except GuichetError as exc:
                log.warning("case %s: escalation to %s failed (%s)", case_id, queue, exc)
                raise HTTPException(
                    status.HTTP_409_CONFLICT, "the call could not be moved (gone?)"
                ) from None
            result = await _guard(
                wrapups.escalated(
                    case_id,
                    by=who.username,
                    role=_role(who),
                    service=body.service,
                    summary=summary,
                    code=code,
                )
            )
            # the escalation ended this person's leg: app_queue says so only when the
            # caller's call ends (its AgentComplete waits for the caller to leave
            # Queue()), which would count the expert's talk as this agent's handle time
            await handling.ended(call_id, who.username)
        if state.bus is not None:
            state.bus.publish(
                CallEscalated(
                    call_id=call_id,
                    case_id=case_id,
                    queue=queue,
                    service=body.service,
                    summary=summary,
                )
            )
        wrapped(who, result, call_id, target=body.service)
        return answer(result)

    @router.post("/api/cases/{case_id}/callback")
    async def callback(who: Desk, case_id: str, body: CallbackRequest) -> dict[str, Any]:
        await readable(who, case_id)
        code = _code(body.code, WrapUpAction.CALLBACK)
        try:
            result = await _guard(
                wrapups.callback(
                    case_id,
                    by=who.username,
                    role=_role(who),
                    number=body.number,
                    service=body.service,
                    due=body.due,
                    code=code,
                )
            )
        except InvalidNumber as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                {"error": "invalid_number", "reason": exc.reason, "message": str(exc)},
            ) from None
        call_id = await call_of(who, case_id)
        booked = result.callback
        if state.bus is not None and booked is not None and not result.repeated:
            state.bus.publish(
                CallbackBooked(
                    call_id=call_id or "",
                    case_id=case_id,
                    callback_id=booked.id,
                    reference=booked.reference,
                    due_by=booked.due_by,
                    service=booked.service,
                )
            )
        wrapped(who, result, call_id, target=booked.reference if booked else "")
        return answer(result)

    @router.post("/api/cases/{case_id}/transferred")
    async def transferred(who: Desk, case_id: str, body: TransferredRequest) -> dict[str, Any]:
        await readable(who, case_id)
        code = _code(body.code, WrapUpAction.TRANSFERRED)
        result = await _guard(
            wrapups.transferred(case_id, by=who.username, role=_role(who), to=body.to, code=code)
        )
        wrapped(who, result, await call_of(who, case_id), target=body.to.strip())
        return answer(result)

    return router


async def _guard(work: Awaitable[_T]) -> _T:
    """The case file's refusals as HTTP answers (InvalidNumber: the route's own)."""
    try:
        return await work
    except CaseNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such case") from None
    except InvalidNumber:
        raise
    except InvalidCaseUpdate as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
