"""The web app: one router per feature folder, assembled behind one session check.

Every request goes through :class:`agent_softphone.auth.SessionMiddleware` (the
session resolved once, CSRF on every state-changing request, same origin for
websockets); every route says who may use it with
:func:`agent_softphone.access.require`, and ``tests/web/test_access_grid.py`` fails
for a route that has no rule. Features: ``auth`` (log in/out, ``/api/me``), the live
feed ``/api/events`` (:mod:`agent_softphone.feed`), then the desk's folders
(``sip``, ``desk``, ``assist``, ``cases``), each exposing ``router(state)``."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from agent_softphone import assist, auth, cases, desk, feed, sip, webcall
from agent_softphone import chat as chat_feature  # W1
from agent_softphone import experts as experts_feature  # E1
from agent_softphone import kpis as kpis_feature  # E4
from agent_softphone import supervision as supervision_feature  # E3
from agent_softphone import wallboard as wallboard_feature  # E2
from agent_softphone.access import Principal, current_session, require
from agent_softphone.auth import SessionMiddleware
from agent_softphone.pages import ICON_LINK
from agent_softphone.state import AppState
from guichet.accounts import WebSessions
from guichet.store.models import Call

__all__ = ["AppState", "create_app"]

Feature = Callable[[AppState], APIRouter]


def features() -> list[Feature]:
    """The routers, one per feature folder (each imports AppState from
    ``agent_softphone.state``, never from this module: no import cycle)."""
    return [
        auth.router,
        feed.router,
        sip.router,
        desk.router,
        assist.router,
        cases.router,
        experts_feature.router,
        supervision_feature.router,
        wallboard_feature.router,
        kpis_feature.router,
        webcall.router,
        chat_feature.router,
        shell_router,
    ]


def create_app(state: AppState) -> FastAPI:
    app = FastAPI(title="Guichet", docs_url=None, redoc_url=None, openapi_url=None)
    for feature in features():
        app.include_router(feature(state))
    sessions = WebSessions(state.store, idle=state.session_idle, lifetime=state.session_lifetime)
    app.add_middleware(SessionMiddleware, sessions=sessions)
    # outermost: the chat's cross-origin calls are answered (or refused) before the session
    app.add_middleware(chat_feature.ChatCorsMiddleware, origins=state.settings.web_chat_origins)
    return app


def shell_router(state: AppState) -> APIRouter:
    """What the app had before the desk: health, the last calls, the home page."""
    api = APIRouter()

    def call_counts() -> dict[str, int]:
        with state.store.session() as session:
            rows = session.execute(select(Call.state, func.count()).group_by(Call.state))
            return {str(s): int(n) for s, n in rows}

    @api.get("/api/health")
    def health(
        _who: Annotated[Principal, Depends(require("supervisor", "admin"))],
    ) -> dict[str, Any]:
        return {"status": "ok", **state.health, "calls": call_counts()}

    @api.get("/api/calls")
    def calls(
        _who: Annotated[Principal, Depends(require("supervisor", "admin"))], limit: int = 50
    ) -> list[dict[str, Any]]:
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

    @api.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        # the one page a browser opens first: anonymous goes to the login page
        session = current_session(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        who = Principal.of(session.account)
        counts = call_counts()
        items = "".join(
            f"<li>{escape(k)}: {escape(str(v))}</li>" for k, v in {**state.health}.items()
        )
        calls_html = "".join(f"<li>{escape(k)}: {n}</li>" for k, n in sorted(counts.items()))
        return HTMLResponse(
            f"<!doctype html><html lang={who.language}><meta charset=utf-8>{ICON_LINK}"
            "<title>Guichet</title>"
            f"<h1>Guichet</h1><p>{escape(who.display_name)} ({escape(who.role)})</p>"
            f"<h2>Services</h2><ul>{items}</ul>"
            f"<h2>Appels</h2><ul>{calls_html or '<li>aucun</li>'}</ul></html>"
        )

    return api
