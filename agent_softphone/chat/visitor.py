"""The visitor's routes, public (no login), called by ``widget.js`` from the city's
site (CORS and CSP: :mod:`agent_softphone.chat.cors`):

- ``POST /api/chat/conversations``: start (the page's language); the answer carries
  the conversation's token, sent back in ``X-Chat-Token`` on every other call;
- ``POST /api/chat/messages``: the visitor's message; the bot's reply comes back at
  once (an agent's, later, by the poll);
- ``GET /api/chat/messages?after=&wait=``: the messages after ``after`` (a long poll of
  up to ``wait`` seconds while an agent is awaited or answering);
- ``POST /api/chat/agent``, ``/callback``, ``/hours``, ``/end``: the hand-over's three
  offers and the end.

Every route counts against the visitor IP's limit; messages also against the
conversation's; a refusal says so in the visitor's language (429, ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field

from agent_softphone.chat.conversation import Conversation
from agent_softphone.chat.cors import TOKEN_HEADER
from agent_softphone.chat.hub import ChatError, ChatHub
from agent_softphone.chat.polling import unless_gone
from agent_softphone.chat.strings import chat_lang

__all__ = ["visitor_router"]

_MAX_WAIT_S = 25.0
T = TypeVar("T")
Token = Annotated[str | None, Header(alias=TOKEN_HEADER, max_length=100)]


class StartRequest(BaseModel):
    lang: str = Field(default="fr", max_length=16)
    city: str = Field(default="", max_length=80)


class MessageRequest(BaseModel):
    # the real limit is the setting, checked by the hub so the visitor reads why
    text: str = Field(max_length=20_000)


class NumberRequest(BaseModel):
    number: str = Field(max_length=200)


def http_error(exc: ChatError) -> HTTPException:
    headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s else None
    return HTTPException(exc.status, exc.message, headers=headers)


async def refusal_as_http(action: Awaitable[T]) -> T:
    """Await the hub's ``action``; its refusal (:class:`ChatError`) is raised as the
    HTTP error that says why."""
    try:
        return await action
    except ChatError as exc:
        raise http_error(exc) from exc


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def view(hub: ChatHub, conv: Conversation, after: int = 0) -> dict[str, Any]:
    return {
        "state": conv.state.value,
        "lang": conv.lang,
        "max_chars": hub.settings.web_chat_max_chars,
        "messages": [m.to_json() for m in conv.after(after)],
    }


def visitor_router(hub: ChatHub) -> APIRouter:
    router = APIRouter()

    def visitor(request: Request, token: str | None) -> Conversation:
        try:
            conv = hub.visitor(token)
            hub.check_ip(client_ip(request), conv.lang)
        except ChatError as exc:
            raise http_error(exc) from exc
        return conv

    @router.post("/api/chat/conversations", status_code=201)
    async def start(request: Request, body: StartRequest) -> dict[str, Any]:
        lang = chat_lang(body.lang)
        try:
            hub.check_ip(client_ip(request), lang)
            conv = await hub.start(client_ip(request), lang, body.city.strip() or "la mairie")
        except ChatError as exc:
            raise http_error(exc) from exc
        return {"token": conv.token, **view(hub, conv)}

    @router.post("/api/chat/messages")
    async def send(
        request: Request, body: MessageRequest, token: Token = None, after: int = 0
    ) -> dict[str, Any]:
        conv = visitor(request, token)
        await refusal_as_http(hub.visitor_says(conv, body.text))
        return view(hub, conv, after)

    @router.get("/api/chat/messages")
    async def poll(
        request: Request,
        token: Token = None,
        after: Annotated[int, Query(ge=0)] = 0,
        wait: Annotated[float, Query(ge=0, le=_MAX_WAIT_S)] = 0,
    ) -> dict[str, Any]:
        conv = visitor(request, token)
        if wait > 0:
            await unless_gone(request, conv.wait_past(after, wait))
        return view(hub, conv, after)

    @router.post("/api/chat/agent")
    async def agent(request: Request, token: Token = None, after: int = 0) -> dict[str, Any]:
        conv = visitor(request, token)
        await hub.ask_agent(conv)
        return view(hub, conv, after)

    @router.post("/api/chat/callback")
    async def callback(
        request: Request, body: NumberRequest, token: Token = None, after: int = 0
    ) -> dict[str, Any]:
        conv = visitor(request, token)
        await refusal_as_http(hub.book_callback(conv, body.number))
        return view(hub, conv, after)

    @router.post("/api/chat/hours")
    async def hours(request: Request, token: Token = None, after: int = 0) -> dict[str, Any]:
        conv = visitor(request, token)
        await hub.hours(conv)
        return view(hub, conv, after)

    @router.post("/api/chat/end")
    async def end(request: Request, token: Token = None, after: int = 0) -> dict[str, Any]:
        conv = visitor(request, token)
        await hub.end(conv)
        return view(hub, conv, after)

    return router
