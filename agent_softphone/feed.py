"""``/api/events`` (websocket): the live feed of the desk and the wallboard.

After the handshake (a logged-in session; refused before the websocket is accepted
otherwise), the server sends one JSON text message per event,
:meth:`guichet.events.Event.to_json`: first a ``snapshot`` (calls in progress,
queues, agents), then every change, each filtered for the person
(:mod:`agent_softphone.feed_filter`). A browser that falls behind is sent a fresh
``snapshot`` instead of the changes it missed; it replaces what it shows. The server
reads, but ignores, what the browser sends. Closed with 1013 (try again later) when
this process has no event bus."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect, status
from sqlalchemy import select

from agent_softphone.access import Principal, require
from agent_softphone.browser_socket import close_quietly, read_until_closed
from agent_softphone.feed_filter import FeedFilter
from agent_softphone.state import AppState
from guichet.bus import EventStream
from guichet.store import Store
from guichet.store.models import CaseAgent
from guichet.tasks import until_first_ends


def router(state: AppState) -> APIRouter:
    api = APIRouter()

    @api.websocket("/api/events")
    async def events(websocket: WebSocket, who: Annotated[Principal, Depends(require())]) -> None:
        await websocket.accept()
        bus = state.bus
        if bus is None:
            await websocket.close(status.WS_1013_TRY_AGAIN_LATER, "no event bus")
            return
        # the calls already theirs (a page reloaded mid-call): from the queue's records
        theirs = (
            frozenset()
            if who.sees_everything
            else await asyncio.to_thread(calls_of, state.store, who.username)
        )
        async with bus.subscribe(snapshot=True) as stream:
            try:
                await until_first_ends(
                    _send_events(websocket, stream, FeedFilter(who, theirs)),
                    read_until_closed(websocket),
                )
            finally:
                await close_quietly(websocket)

    return api


def calls_of(store: Store, username: str) -> frozenset[str]:
    """The calls in progress the queue rang ``username`` for (``case_agents``)."""
    with store.session() as session:
        rows = session.scalars(
            select(CaseAgent.call_id).where(
                CaseAgent.username == username, CaseAgent.ended_at.is_(None)
            )
        )
        return frozenset(rows)


async def _send_events(websocket: WebSocket, stream: EventStream, shown: FeedFilter) -> None:
    try:
        async for event in stream:
            visible = shown(event)
            if visible is not None:
                await websocket.send_text(json.dumps(visible.to_json(), ensure_ascii=False))
    except WebSocketDisconnect:
        return  # the browser went away while we wrote: the reader ends too
