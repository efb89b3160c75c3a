"""The expert workspace's routes.

- ``GET /experts``: the page (experts, supervisors, admins); ``/experts/assets/{name}``
  its files, and the desk's phone modules it reuses;
- ``GET /api/callbacks``: the open callbacks of the person's services (supervisors
  and admins: all), due and overdue first, with reference, summary, transcript,
  language and attempts; each case shown is audited;
- ``POST /api/callbacks/{callback_id}/call``: click-to-call. The person's own phone
  rings, then the number STORED on the callback is dialled through the outbound
  trunk. Nothing in the request names a number: the body is not read. The number
  is checked again against the callback numbers' rules before anything is dialled;
- ``POST /api/callbacks/{callback_id}/outcome`` {outcome}: reached_solved |
  reached_follow_up | no_answer | wrong_number.

Who: experts on their services' callbacks, supervisors on all (admins read, have no
phone, and do not call); agents: none. An unknown callback and another service's
answer alike (403) to an expert. CSRF is checked by the session middleware."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel

from agent_softphone.access import Principal, require
from agent_softphone.experts.objects import may_work_callback, services_seen
from agent_softphone.experts.page import experts_page
from agent_softphone.pages import asset_file, page_lang
from agent_softphone.state import AppState
from guichet.casefile.attempts import AttemptOutcome, CallbackAttempts, CallbackItem
from guichet.casefile.errors import CallbackNotFound, InvalidCaseUpdate, InvalidNumber
from guichet.casefile.phone_numbers import format_national
from guichet.click_to_call import CallbackDial, ClickToCallUnavailable
from guichet.errors import GuichetError
from guichet.events import CallbackAttempted, CallbackDialing
from guichet.jsonable import dataclass_json

__all__ = ["experts_router"]

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "static" / "experts"
DESK_ASSETS = ASSETS.parent / "desk"
# the desk's modules this page reuses (the phone, the API, the DOM helpers, the words)
SHARED = frozenset({"api.js", "dom.js", "i18n.js", "phone.js", "desk.css"})

# module level: the routes' annotations are strings, resolved in this module's names
Reader = Annotated[Principal, Depends(require("expert", "supervisor", "admin"))]
Caller = Annotated[Principal, Depends(require("expert", "supervisor"))]


class OutcomeRequest(BaseModel):
    outcome: Literal["reached_solved", "reached_follow_up", "no_answer", "wrong_number"]


def _masked(e164: str) -> str:
    """The number as the expert sees it: enough to recognise, not to dial by hand."""
    national = format_national(e164)
    digits = [i for i, c in enumerate(national) if c.isdigit()]
    hidden = set(digits[2:-2])
    return "".join("•" if i in hidden else c for i, c in enumerate(national))


def _item_json(item: CallbackItem) -> dict[str, Any]:
    cb = item.callback
    return {
        "id": cb.id,
        "reference": cb.reference,
        "case_id": cb.case_id,
        "service": cb.service,
        "language": cb.language,
        "status": cb.status.value,
        "due_by": cb.due_by.isoformat(),
        "overdue": item.overdue,
        "attempts": item.attempts,
        "number": _masked(cb.number),
        "summary": item.summary,
        "topic": item.topic,
        "transcript": [dataclass_json(t) for t in item.transcript],
    }


def attempts_of(state: AppState) -> CallbackAttempts:
    """The shell's (the flow's opening hours, the outbox woken), else from settings."""
    if state.callback_attempts is not None:
        return state.callback_attempts
    return CallbackAttempts.from_settings(state.store, state.settings)


def experts_router(state: AppState) -> APIRouter:
    work = attempts_of(state)
    router = APIRouter()

    @router.get("/experts", response_class=HTMLResponse)
    def page(who: Reader, lang: Literal["fr", "en"] | None = None) -> str:
        return experts_page(who, page_lang(lang, who))

    @router.get("/experts/assets/{name}")
    def asset(who: Reader, name: str) -> FileResponse:
        return asset_file(DESK_ASSETS if name in SHARED else ASSETS, name)

    async def workable(who: Principal, callback_id: str) -> str | None:
        """The callback's service, when ``who`` may work it; else 403 (404 for a
        supervisor, who may work any callback that exists)."""
        try:
            service = await work.service_of(callback_id)
        except CallbackNotFound:
            if who.sees_everything:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such callback") from None
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not a callback of yours") from None
        if not may_work_callback(who, service):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not a callback of yours")
        return service

    @router.get("/api/callbacks")
    async def list_callbacks(who: Reader, limit: int = 100) -> dict[str, Any]:
        try:
            items = await work.worklist(
                services_seen(who), actor=f"web:{who.username}", limit=max(1, min(limit, 200))
            )
        except GuichetError:
            log.exception("callback list: not audited, not shown")
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "the read could not be audited"
            ) from None
        return {"callbacks": [_item_json(i) for i in items]}

    @router.post("/api/callbacks/{callback_id}/call")
    async def call(who: Caller, callback_id: str) -> dict[str, Any]:
        # no body is read: the number comes from the store, never from the request
        service = await workable(who, callback_id)
        if state.click_to_call is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no outbound trunk")
        try:
            callback, attempt = await work.begin(callback_id, who.username)
        except InvalidNumber as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"number not callable: {exc.reason}"
            ) from None
        except InvalidCaseUpdate as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        dial = CallbackDial(
            account=who.username,
            number=callback.number,
            callback_id=callback.id,
            reference=callback.reference,
        )
        try:
            channel_id = await state.click_to_call.ring_then_dial(dial)
        except ClickToCallUnavailable as exc:
            await work.dialled(callback.id, attempt.seq, None)
            log.warning("callback %s not placed: %s", callback.reference, exc)
            raise HTTPException(
                status.HTTP_502_BAD_GATEWAY, "the call could not be placed"
            ) from None
        await work.dialled(callback.id, attempt.seq, channel_id)
        if state.bus is not None:
            state.bus.publish(
                CallbackDialing(
                    callback_id=callback.id,
                    reference=callback.reference,
                    account=who.username,
                    service=service,
                    attempt=attempt.seq,
                    channel_id=channel_id,
                )
            )
        return {
            "callback_id": callback.id,
            "reference": callback.reference,
            "attempt": attempt.seq,
            "channel_id": channel_id,
        }

    @router.post("/api/callbacks/{callback_id}/outcome")
    async def outcome(who: Caller, callback_id: str, body: OutcomeRequest) -> dict[str, Any]:
        service = await workable(who, callback_id)
        try:
            result = await work.record_outcome(
                callback_id, AttemptOutcome(body.outcome), who.username
            )
        except InvalidCaseUpdate as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        next_due = result.attempt.next_due_by
        if state.bus is not None:
            state.bus.publish(
                CallbackAttempted(
                    callback_id=callback_id,
                    reference=result.callback.reference,
                    account=who.username,
                    outcome=body.outcome,
                    service=service,
                    attempt=result.attempt.seq,
                    next_due_by=next_due,
                    given_up=result.given_up,
                )
            )
        return {
            "callback_id": callback_id,
            "reference": result.callback.reference,
            "status": result.callback.status.value,
            "attempt": result.attempt.seq,
            "failed_attempts": result.failed_attempts,
            "next_due_by": next_due.isoformat() if next_due else None,
            "given_up": result.given_up,
            "sms_queued": result.sms_id is not None,
            "sms_refused": result.sms_refused,
        }

    return router
