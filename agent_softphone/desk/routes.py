"""The desk's routes: the agent's page (``GET /desk``) and its files, the agent
state (``GET``/``POST /api/desk/state``), the transfer targets
(``GET /api/desk/directory``) and the presence websocket
(``/api/desk/presence``): an open page holds it; when the last one of an account
closes and none comes back within the grace, the account leaves its queues. The
router's lifespan starts the desk states (the accounts still in the queues wait for
their page: :meth:`DeskStates.start`) and closes the ones it made."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, WebSocket, WebSocketDisconnect, status
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from agent_softphone.access import Principal, require
from agent_softphone.desk.page import desk_page
from agent_softphone.desk.states import DeskStateError, DeskStates, DeskUnavailable
from agent_softphone.pages import asset_file, page_lang
from agent_softphone.state import AppState
from guichet.accounts import AccountRepository
from guichet.desk import DeskPolicy, DeskQueues

__all__ = ["ASSETS", "desk_policy", "desk_router", "desk_states"]

ASSETS = Path(__file__).resolve().parent.parent / "static" / "desk"
DESK_ROLES = ("agent", "expert")
# module level: the routes' annotations are strings, resolved in this module's names
Desk = Annotated[Principal, Depends(require(*DESK_ROLES))]


class StateRequest(BaseModel):
    state: Literal["available", "paused", "wrapup", "logged_out"]
    reason: str = Field(default="", max_length=120)


def desk_policy(state: AppState) -> DeskPolicy:
    """The shell's (the flow's queues), else the settings' queues: the first is
    reception, each other one a service of its own name."""
    if state.desk_policy is not None:
        return state.desk_policy
    settings = state.settings
    queues = DeskQueues(reception=settings.queues[0], services={q: q for q in settings.queues[1:]})
    return DeskPolicy(queues, settings.desk_wrapup_s, settings.desk_presence_grace_s)


def desk_states(state: AppState) -> DeskStates:
    return DeskStates(state.store, state.bus, state.desk, desk_policy(state))


def desk_router(state: AppState, states: DeskStates | None = None) -> APIRouter:
    """The routes; ``states`` given by a caller that owns it (and closes it), else
    made here and closed with the app (its lifespan). Either way the app's start
    starts it."""
    owned = states is None
    states = states or desk_states(state)
    policy = states.policy
    accounts = AccountRepository(state.store)

    @contextlib.asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        await states.start()
        try:
            yield
        finally:
            if owned:
                await states.aclose()  # its timers: cancelled and awaited

    router = APIRouter(lifespan=lifespan)

    @router.get("/desk", response_class=HTMLResponse)
    def page(who: Desk, lang: Literal["fr", "en"] | None = None) -> str:
        return desk_page(who, page_lang(lang, who))

    @router.get("/desk/assets/{name}")
    def asset(who: Desk, name: str) -> FileResponse:
        return asset_file(ASSETS, name)

    @router.get("/api/desk/state")
    async def get_state(who: Desk) -> dict[str, Any]:
        view = await states.current(who.username)
        return _state_json(states, who, view.to_json())

    @router.post("/api/desk/state")
    async def post_state(who: Desk, body: StateRequest) -> dict[str, Any]:
        try:
            view = await states.set(who, body.state, body.reason.strip())
        except DeskUnavailable as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
        except DeskStateError as exc:
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from exc
        return _state_json(states, who, view.to_json())

    @router.get("/api/desk/directory")
    async def directory(who: Desk) -> dict[str, Any]:
        people = await asyncio.to_thread(accounts.active)
        lang = "en" if who.language == "en" else "fr"
        return {
            "queues": [
                {
                    "queue": q,
                    "extension": q,
                    "label": policy.queues.labels.get(q, {}).get(lang, q),
                    "reception": q == policy.queues.reception,
                }
                for q in policy.queues.all_queues()
            ],
            "colleagues": [
                {
                    "username": a.username,
                    "display_name": a.display_name,
                    "role": a.role,
                    "extension": a.username,
                }
                for a in people
                if a.role in DESK_ROLES and a.username != who.username
            ],
        }

    @router.websocket("/api/desk/presence")
    async def presence(websocket: WebSocket, who: Desk) -> None:
        await websocket.accept()
        states.page_opened(who)
        try:
            view = await states.current(who.username)
            await websocket.send_text(json.dumps(_state_json(states, who, view.to_json())))
            # nothing the page sends is acted on: reading is how its close is seen
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        except WebSocketDisconnect:
            pass
        finally:
            states.page_closed(who)
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close()

    return router


def _state_json(states: DeskStates, who: Principal, view: dict[str, Any]) -> dict[str, Any]:
    return {
        **view,
        "wrapup_s": states.policy.wrapup_s,
        "serves": states.queues_for(who),
        "pages": states.pages(who.username),
    }
