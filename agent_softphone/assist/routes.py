"""Live assist's routes, for the agent or expert on the call:

- ``GET /api/assist/search?q=``: search the knowledge base by hand;
- ``POST /api/assist/{call_id}/refresh``: the cards for the caller's last words now
  (also published as ``AssistSuggested``, like those after each caller line);
- ``POST /api/assist/{call_id}/cards/{card_id}/pin`` and ``…/used``: stored in
  ``card_uses`` (the KPIs, the knowledge editors).

The transcript and the suggestions themselves reach the page on ``/api/events``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status

from agent_softphone.access import Principal, require
from agent_softphone.assist.cards import hits_json
from agent_softphone.assist.objects import handles_call
from agent_softphone.state import AppState
from guichet.casefile.repository import CaseRepository
from guichet.events import AssistSuggested, SuggestedCard
from guichet.store.models import CardUse
from knowledge import CardHits, KnowledgeBase, cards_for, suggest_cards

__all__ = ["ASSIST_ROLES", "ROLLING_LINES", "assist_router"]

ASSIST_ROLES = ("agent", "expert")
ROLLING_LINES = 3  # as the call side: the caller's last final lines
# module level: the routes' annotations are strings, resolved in this module's namespace
Desk = Annotated[Principal, Depends(require(*ASSIST_ROLES))]


def assist_router(state: AppState) -> APIRouter:
    router = APIRouter()
    cases = CaseRepository(state.store)

    def knowledge() -> KnowledgeBase:
        if state.knowledge is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no knowledge index")
        return state.knowledge

    async def handled(who: Principal, call_id: str) -> None:
        # the same answer whether the call exists or not: ids are not probed
        if not await asyncio.to_thread(handles_call, state.store, who, call_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call of yours")

    @router.get("/api/assist/search")
    async def search(
        who: Desk,
        q: Annotated[str, Query(max_length=500)] = "",
        lang: Literal["fr", "en"] = "fr",
    ) -> dict[str, Any]:
        hits = await asyncio.to_thread(suggest_cards, knowledge(), q, lang)
        return hits_json(hits)

    @router.post("/api/assist/{call_id}/refresh")
    async def refresh(who: Desk, call_id: str) -> dict[str, Any]:
        await handled(who, call_id)
        case = await cases.case_for_call(call_id)
        if case is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no case for this call")
        case_file = await cases.get_case(case.id)
        callers = [t for t in case_file.turns if t.speaker == "caller"]
        lines = [t.text for t in callers[-ROLLING_LINES:]] or [""]  # "": no cards
        lang = "en" if case.language == "en" else "fr"
        kb = knowledge()

        def suggest(text: str, lang: str) -> CardHits:
            return suggest_cards(kb, text, lang)

        # the call side's rule: the newest line decides, the ones before help only
        # when it is not enough on its own
        lookup = await asyncio.to_thread(cards_for, suggest, lines[:-1], lines[-1], lang)
        hits = lookup.hits
        if state.bus is not None:
            state.bus.publish(
                AssistSuggested(
                    call_id=call_id,
                    case_id=case.id,
                    agent=who.username,
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
                    for_seq=len(callers),
                )
            )
        return hits_json(hits)

    async def mark(who: Principal, call_id: str, card_id: str, kind: str) -> dict[str, Any]:
        await handled(who, call_id)
        if card_id not in knowledge().cards:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such card")
        case = await cases.case_for_call(call_id)

        def store() -> int:
            with state.store.session() as session:
                row = CardUse(
                    case_id=case.id if case is not None else None,
                    call_id=call_id,
                    card_id=card_id,
                    username=who.username,
                    kind=kind,
                )
                session.add(row)
                session.flush()
                return int(row.id)

        use_id = await asyncio.to_thread(store)
        return {"id": use_id, "call_id": call_id, "card_id": card_id, "kind": kind}

    @router.post("/api/assist/{call_id}/cards/{card_id}/pin", status_code=201)
    async def pin(who: Desk, call_id: str, card_id: str) -> dict[str, Any]:
        return await mark(who, call_id, card_id, "pinned")

    @router.post("/api/assist/{call_id}/cards/{card_id}/used", status_code=201)
    async def used(who: Desk, call_id: str, card_id: str) -> dict[str, Any]:
        return await mark(who, call_id, card_id, "used")

    return router
