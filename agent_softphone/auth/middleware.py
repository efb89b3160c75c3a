"""One check in front of every route: the session cookie resolved once (the route's
:func:`agent_softphone.access.require` reads it), the CSRF token of every
state-changing request, and the ``Origin`` of every websocket.

CSRF: a request carrying a live session and a method other than GET/HEAD/OPTIONS
must send the session's token in ``X-CSRF-Token`` (the page reads it from
``GET /api/me``); otherwise 403 before any route runs. A request without a session
goes on to its route, which refuses it (401): without the cookie a forged request
has nothing to ride on. The login form, which has no session yet, is checked by
its route against a pre-session cookie (``agent_softphone.auth.routes``).

Websockets: a browser always sends ``Origin``; one naming another site is refused
before the websocket is accepted (a page elsewhere cannot ride on the cookie).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from agent_softphone.access import SESSION_KEY
from guichet.accounts import OpenSession, WebSessions

SESSION_COOKIE = "guichet_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# checked by their own route (the login form: pre-session token in the form)
OWN_CSRF_CHECK = frozenset({"/login"})


class SessionMiddleware:
    def __init__(self, app: ASGIApp, sessions: WebSessions) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        if scope["type"] == "websocket" and not same_origin(conn.headers):
            await send({"type": "websocket.close", "code": 1008, "reason": "cross-origin"})
            return
        token = conn.cookies.get(SESSION_COOKIE)
        session: OpenSession | None = None
        if token:
            session = await asyncio.to_thread(self.sessions.resolve, token)
        scope[SESSION_KEY] = session
        if (
            scope["type"] == "http"
            and session is not None
            and scope["method"] not in SAFE_METHODS
            and scope["path"] not in OWN_CSRF_CHECK
            and not secrets.compare_digest(
                conn.headers.get(CSRF_HEADER, "").encode(), session.csrf.encode()
            )
        ):
            await _refuse(send, 403, "missing or wrong CSRF token (header X-CSRF-Token)")
            return
        await self.app(scope, receive, send)


def same_origin(headers: Headers) -> bool:
    """True without ``Origin`` (not a browser) or when it names this host and port."""
    origin = headers.get("origin")
    if origin is None:
        return True
    host = headers.get("host", "")
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()


async def _refuse(send: Send, code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
