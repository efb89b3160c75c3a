"""The web app shell. Every route needs authentication; later issues add the
softphone, live assist, case files, the wallboard and the chat widget.

``/api/events`` (websocket) is the live feed of the wallboard and the softphone:
after the handshake (Basic authentication, like every route; refused with HTTP 401
before the websocket is accepted), the server sends one JSON text message per
event, :meth:`guichet.events.Event.to_json`: first a ``snapshot`` (calls in
progress, queues, agents), then every change (``call.*``, ``queue.*``,
``agent.changed``). A browser that falls behind is sent a fresh ``snapshot``
instead of the changes it missed; it replaces what it shows. The server reads, but
ignores, what the browser sends. Closed with 1013 (try again later) when this
process has no event bus.
"""

import contextlib
import json
import secrets
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, WebSocket, WebSocketDisconnect, status
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy import func, select
from starlette.websockets import WebSocketState

from guichet.bus import EventBus, EventStream
from guichet.store import Store
from guichet.store.models import Call
from guichet.tasks import until_first_ends

ADMIN_USER = "admin"


@dataclass
class AppState:
    store: Store
    admin_password: str
    health: dict[str, Any]  # filled by ``guichet up``: asterisk, controller
    bus: EventBus | None = None  # given by ``guichet up``: the live events


def create_app(state: AppState) -> FastAPI:
    basic = HTTPBasic(realm="Guichet")

    def user(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> str:
        good_user = secrets.compare_digest(credentials.username.encode(), ADMIN_USER.encode())
        good_pass = secrets.compare_digest(
            credentials.password.encode(), state.admin_password.encode()
        )
        if not (good_user and good_pass):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "wrong user or password",
                headers={"WWW-Authenticate": 'Basic realm="Guichet"'},
            )
        return credentials.username

    # one app-wide dependency: no route can be added without authentication (the
    # websocket routes included: HTTPBasic reads the handshake's headers)
    app = FastAPI(
        title="Guichet",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(user)],
    )

    def call_counts() -> dict[str, int]:
        with state.store.session() as session:
            rows = session.execute(select(Call.state, func.count()).group_by(Call.state))
            return {str(s): int(n) for s, n in rows}

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", **state.health, "calls": call_counts()}

    @app.get("/api/calls")
    def calls(limit: int = 50) -> list[dict[str, Any]]:
        with state.store.session() as session:
            rows = session.scalars(select(Call).order_by(Call.started_at.desc()).limit(limit))
            return [
                {
                    "id": c.id,
                    "state": c.state,
                    "started_at": c.started_at.isoformat(),
                    "ended_at": c.ended_at.isoformat() if c.ended_at else None,
                    "end_reason": c.end_reason,
                }
                for c in rows
            ]

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        counts = call_counts()
        items = "".join(
            f"<li>{escape(k)}: {escape(str(v))}</li>" for k, v in {**state.health}.items()
        )
        calls_html = "".join(f"<li>{escape(k)}: {n}</li>" for k, n in sorted(counts.items()))
        return (
            "<!doctype html><html lang=fr><meta charset=utf-8><title>Guichet</title>"
            "<h1>Guichet</h1><h2>Services</h2><ul>"
            f"{items}</ul><h2>Appels</h2><ul>{calls_html or '<li>aucun</li>'}</ul></html>"
        )

    @app.websocket("/api/events")
    async def events(websocket: WebSocket) -> None:
        await websocket.accept()
        bus = state.bus
        if bus is None:
            await websocket.close(status.WS_1013_TRY_AGAIN_LATER, "no event bus")
            return
        async with bus.subscribe(snapshot=True) as stream:
            try:
                await until_first_ends(
                    _send_events(websocket, stream), _read_until_closed(websocket)
                )
            finally:
                await _close(websocket)

    return app


async def _send_events(websocket: WebSocket, stream: EventStream) -> None:
    try:
        async for event in stream:
            await websocket.send_text(json.dumps(event.to_json(), ensure_ascii=False))
    except WebSocketDisconnect:
        return  # the browser went away while we wrote: the reader ends too


async def _read_until_closed(websocket: WebSocket) -> None:
    """Nothing a browser sends is acted on; reading is how its close is seen."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


async def _close(websocket: WebSocket) -> None:
    if websocket.application_state is not WebSocketState.CONNECTED:
        return
    if websocket.client_state is WebSocketState.DISCONNECTED:
        return  # the browser closed first: its close frame was answered already
    with contextlib.suppress(WebSocketDisconnect):  # it closed at the same moment
        await websocket.close()
