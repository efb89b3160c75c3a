"""``/login`` (page and form), ``/logout``, ``/api/me``.

The login form has no session to carry a CSRF token yet: ``GET /login`` sets a
random pre-session token in a cookie (SameSite=Strict, HttpOnly) and in a hidden
field, and ``POST /login`` wants both, equal (a page elsewhere can neither read the
field nor send the cookie). A good login replaces any session the browser had."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from agent_softphone.access import Principal, current_session, require
from agent_softphone.auth.middleware import SESSION_COOKIE
from agent_softphone.auth.page import TEXT, Lang, login_page
from agent_softphone.state import AppState
from guichet.accounts import AccountLocked, AccountRepository, WebSessions, WrongCredentials

LOGIN_COOKIE = "guichet_login"
MAX_FORM_BYTES = 4096


def _lang(value: str | None) -> Lang:
    return "en" if value == "en" else "fr"


def router(state: AppState) -> APIRouter:
    api = APIRouter()
    accounts = AccountRepository(state.store)
    sessions = WebSessions(state.store, idle=state.session_idle, lifetime=state.session_lifetime)

    def cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=state.tls,
        )

    def form_page(lang: Lang, code: int, *, error: str = "", username: str = "") -> Response:
        token = secrets.token_urlsafe(32)
        page = HTMLResponse(login_page(lang, token, error=error, username=username), code)
        cookie(page, LOGIN_COOKIE, token, max_age=3600)
        page.headers["Cache-Control"] = "no-store"
        return page

    @api.get("/login", response_class=HTMLResponse)
    def show_login(lang: str | None = None) -> Response:
        return form_page(_lang(lang), status.HTTP_200_OK)

    @api.post("/login", response_class=HTMLResponse)
    async def log_in(request: Request) -> Response:
        body = await request.body()
        fields = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"))

        def field(name: str) -> str:
            return fields.get(name, [""])[0]

        lang = _lang(field("lang"))
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(field("csrf").encode(), expected.encode()):
            return form_page(lang, status.HTTP_403_FORBIDDEN, error=TEXT[lang]["expired"])
        username = field("username").strip().lower()
        try:
            account = await asyncio.to_thread(accounts.verify_password, username, field("password"))
        except AccountLocked as locked:
            message = TEXT[lang]["locked"].format(until=f"{locked.until:%H:%M}")
            return form_page(lang, status.HTTP_429_TOO_MANY_REQUESTS, error=message)
        except WrongCredentials:
            return form_page(
                lang, status.HTTP_401_UNAUTHORIZED, error=TEXT[lang]["wrong"], username=username
            )
        old = request.cookies.get(SESSION_COOKIE)
        if old:  # no fixation: whatever session the browser had ends here
            await asyncio.to_thread(sessions.close, old)
        await asyncio.to_thread(sessions.purge_expired)  # abandoned browsers' rows
        opened = await asyncio.to_thread(sessions.open, account)
        done = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
        cookie(done, SESSION_COOKIE, opened.token, max_age=int(sessions.lifetime.total_seconds()))
        done.delete_cookie(LOGIN_COOKIE, path="/", httponly=True, samesite="strict")
        return done

    @api.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
    async def log_out(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await asyncio.to_thread(sessions.close, token)
        done = Response(status_code=status.HTTP_204_NO_CONTENT)
        done.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=state.tls
        )
        return done

    @api.get("/api/me")
    def me(request: Request, who: Annotated[Principal, Depends(require())]) -> dict[str, Any]:
        session = current_session(request)
        assert session is not None  # require() let it through
        return {
            "username": who.username,
            "display_name": who.display_name,
            "role": who.role,
            "services": sorted(who.services),
            "language": who.language,
            "csrf": session.csrf,
        }

    return api
