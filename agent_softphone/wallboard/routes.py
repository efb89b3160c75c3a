"""The wallboard's routes, for supervisors and admins only: the page
(``GET /wallboard``, ``?screen=big`` for a wall display) and its files, the live
socket (``/api/wallboard``: the whole board on connect, then the rows that change),
and the opening controls (``GET /api/wallboard/opening``, ``POST
/api/wallboard/mode``, ``POST /api/wallboard/closures``, ``DELETE
/api/wallboard/closures/{closure_id}``), which act through
:class:`guichet.opening.OpeningControl` (503 when this process has none). The
router's lifespan keeps the control's watch open, so that a mode set with ``guichet
mode`` (another process) reaches the open boards as one set here does."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, WebSocket, WebSocketDisconnect, status
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field

from agent_softphone.access import Principal, require
from agent_softphone.browser_socket import close_quietly, read_until_closed
from agent_softphone.pages import asset_file, page_lang
from agent_softphone.state import AppState
from agent_softphone.wallboard.fold import Wallboard
from agent_softphone.wallboard.page import wallboard_page
from agent_softphone.wallboard.today import day_start, desk_views, today_counts
from guichet.bus import EventStream
from guichet.events import ClosureAdded, ClosureRemoved, RoutingModeChanged, Snapshot
from guichet.opening import OpeningControl, OpeningError
from guichet.tasks import until_first_ends

__all__ = ["ASSETS", "SUPERVISORS", "router"]

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "static" / "wallboard"
SUPERVISORS = ("supervisor", "admin")
Supervisor = Annotated[Principal, Depends(require(*SUPERVISORS))]
_OPENING_EVENTS = (RoutingModeChanged, ClosureAdded, ClosureRemoved)
T = TypeVar("T")
OPENING_REFRESH_S = 30.0  # the hours move on by themselves: opening re-read this often


class ModeRequest(BaseModel):
    mode: Literal["day", "night", "auto"]


class ClosureRequest(BaseModel):
    """A closure today, in the city hall's time: ``HH:MM`` to ``HH:MM``."""

    reason: str = Field(min_length=1, max_length=200)
    starts: dt.time
    ends: dt.time


def router(state: AppState) -> APIRouter:
    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        if state.opening is None:
            yield
            return
        async with state.opening.watching():  # its task: cancelled and awaited on exit
            yield

    api = APIRouter(lifespan=lifespan)
    zone = ZoneInfo(state.settings.callback_timezone)
    sl_s = state.settings.service_level_s

    def opening() -> OpeningControl:
        if state.opening is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no opening control")
        return state.opening

    @api.get("/wallboard", response_class=HTMLResponse)
    def page(
        who: Supervisor,
        lang: Literal["fr", "en"] | None = None,
        screen: Literal["big", "normal"] = "normal",
    ) -> str:
        chosen = page_lang(lang, who)
        return wallboard_page(who, chosen, big=screen == "big", service_level_s=sl_s)

    @api.get("/wallboard/assets/{name}")
    def asset(who: Supervisor, name: str) -> FileResponse:
        return asset_file(ASSETS, name)

    @api.get("/api/wallboard/opening")
    async def get_opening(who: Supervisor) -> dict[str, Any]:
        control = opening()
        return (await _guarded(control.state())).to_json()

    @api.post("/api/wallboard/mode")
    async def post_mode(who: Supervisor, body: ModeRequest) -> dict[str, Any]:
        control = opening()
        return (await _guarded(control.set_mode(body.mode, by=_actor(who)))).to_json()

    @api.post("/api/wallboard/closures", status_code=status.HTTP_201_CREATED)
    async def post_closure(who: Supervisor, body: ClosureRequest) -> dict[str, Any]:
        control = opening()
        today = dt.datetime.now(zone).date()
        starts = dt.datetime.combine(today, body.starts, tzinfo=zone)
        ends = dt.datetime.combine(today, body.ends, tzinfo=zone)
        if ends <= starts:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "ends before it starts")
        added = await _guarded(control.add_closure(body.reason, starts, ends, by=_actor(who)))
        return added.to_json()

    @api.delete("/api/wallboard/closures/{closure_id}", status_code=204)
    async def delete_closure(who: Supervisor, closure_id: int) -> Response:
        control = opening()
        await _guarded(control.remove_closure(closure_id, by=_actor(who)), missing=True)
        return Response(status_code=204)

    @api.websocket("/api/wallboard")
    async def live(websocket: WebSocket, who: Supervisor) -> None:
        await websocket.accept()
        bus = state.bus
        if bus is None:
            await websocket.close(status.WS_1013_TRY_AGAIN_LATER, "no event bus")
            return
        async with bus.subscribe(snapshot=True) as stream:
            # subscribed first: what happens while the store is read waits in the
            # stream, and counting is idempotent, so nothing is lost or counted twice
            now = dt.datetime.now(dt.UTC)
            counts = await asyncio.to_thread(
                today_counts, state.store, day_start(now, zone), float(sl_s)
            )
            desk = await asyncio.to_thread(desk_views, state.store)
            board = Wallboard(
                service_level_s=float(sl_s),
                zone=zone,
                day=now.astimezone(zone).date(),
                today=counts,
                desk=desk,
            )
            sender = _Sender(websocket)
            try:
                await until_first_ends(
                    _pump(sender, stream, board, state.opening),
                    read_until_closed(websocket),
                    _refresh_opening(sender, state.opening),
                )
            finally:
                await close_quietly(websocket, also=(RuntimeError,))

    return api


def _actor(who: Principal) -> str:
    return f"web:{who.username}"


async def _guarded(work: Awaitable[T], *, missing: bool = False) -> T:
    """The control's refusal as an HTTP answer: 409 (or 404 for what is not there)."""
    try:
        result = await work
    except OpeningError as exc:
        code = status.HTTP_404_NOT_FOUND if missing else status.HTTP_409_CONFLICT
        raise HTTPException(code, str(exc)) from exc
    return result


class _Sender:
    """One writer at a time on the socket (the pump and the opening timer)."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self.lock:
            await self.websocket.send_text(json.dumps(message, ensure_ascii=False))


async def _send_opening(sender: _Sender, control: OpeningControl | None, cause: str) -> None:
    if control is None:
        await sender.send({"type": "opening", "row": None, "event": cause})
        return
    try:
        row = (await control.state()).to_json()
    except OpeningError as exc:
        log.warning("wallboard: opening state unreadable: %s", exc)
        return
    await sender.send({"type": "opening", "row": row, "event": cause})


async def _pump(
    sender: _Sender, stream: EventStream, board: Wallboard, control: OpeningControl | None
) -> None:
    try:
        async for event in stream:
            if isinstance(event, _OPENING_EVENTS):
                await _send_opening(sender, control, event.type)
                continue
            changes = board.apply(event)
            if isinstance(event, Snapshot):
                changes = [{**changes[0], "server_time": time.time()}]
            for change in changes:
                # the source event's time and kind go with each row: the page and the
                # bench measure how long a change took to reach the screen
                change.setdefault("at", event.at.timestamp())
                change.setdefault("event", event.type)
                await sender.send(change)
            if isinstance(event, Snapshot):
                await _send_opening(sender, control, "snapshot")
    except WebSocketDisconnect:
        return


async def _refresh_opening(sender: _Sender, control: OpeningControl | None) -> None:
    if control is None:
        await asyncio.Event().wait()  # nothing to refresh: run until the others end
    while True:
        await asyncio.sleep(OPENING_REFRESH_S)  # a period, not a synchronisation
        try:
            await _send_opening(sender, control, "refresh")
        except WebSocketDisconnect:
            return
