"""The agents' side of the website chat, behind login (reception agents and experts,
the desk's roles): the chats waiting for a person, taking one (its whole transcript,
the bot's included), answering with live assist's cards for the visitor's last lines,
closing it. A chat taken by one agent is another agent's 404.

- ``GET /api/chat/desk/chats?version=&wait=``: waiting and mine (a long poll on the
  list's version); polling it is what makes the agent "there" for the hand-over;
- ``GET /api/chat/desk/chats/{chat_id}?after=&wait=``: its messages and suggestions;
- ``POST …/{chat_id}/take``, ``…/messages`` (``{"text"}``), ``…/close``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from agent_softphone.access import Principal, require
from agent_softphone.chat.conversation import ChatState, Conversation
from agent_softphone.chat.hub import ChatHub
from agent_softphone.chat.polling import unless_gone
from agent_softphone.chat.visitor import refusal_as_http

__all__ = ["CHAT_DESK_ROLES", "desk_chat_router"]

CHAT_DESK_ROLES = ("agent", "expert")
_MAX_WAIT_S = 25.0
# module level: the routes' annotations are strings, resolved in this module's names
Agent = Annotated[Principal, Depends(require(*CHAT_DESK_ROLES))]


class AgentMessage(BaseModel):
    text: str = Field(max_length=20_000)


def desk_chat_router(hub: ChatHub) -> APIRouter:
    router = APIRouter()

    def visible(who: Principal, chat_id: str) -> Conversation:
        conv = hub.get(chat_id)
        # waiting: any agent may read it before taking it; then only its agent
        if conv is None or (conv.state is not ChatState.WAITING and conv.agent != who.username):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such chat for you")
        return conv

    def chat_json(conv: Conversation, after: int) -> dict[str, Any]:
        return {
            **conv.summary(),
            "version": conv.version,
            "messages": [m.to_json() for m in conv.after(after)],
            "suggestions": conv.suggestions,
        }

    @router.get("/api/chat/desk/chats")
    async def chats(
        who: Agent,
        request: Request,
        version: Annotated[int, Query(ge=-1)] = -1,
        wait: Annotated[float, Query(ge=0, le=_MAX_WAIT_S)] = 0,
    ) -> dict[str, Any]:
        hub.agent_seen(who.username)
        if wait > 0:
            await unless_gone(request, hub.wait_desk(version, wait))
        return hub.desk_list(who.username)

    @router.get("/api/chat/desk/chats/{chat_id}")
    async def chat(
        who: Agent,
        request: Request,
        chat_id: str,
        after: Annotated[int, Query(ge=0)] = 0,
        version: Annotated[int, Query(ge=-1)] = -1,
        wait: Annotated[float, Query(ge=0, le=_MAX_WAIT_S)] = 0,
    ) -> dict[str, Any]:
        conv = visible(who, chat_id)
        hub.agent_seen(who.username)
        if wait > 0:
            await unless_gone(request, conv.wait_version(version, wait))
        return chat_json(conv, after)

    @router.post("/api/chat/desk/chats/{chat_id}/take")
    async def take(who: Agent, chat_id: str) -> dict[str, Any]:
        conv = visible(who, chat_id)
        await refusal_as_http(hub.take(conv, who.username))
        return chat_json(conv, 0)

    @router.post("/api/chat/desk/chats/{chat_id}/messages")
    async def answer(who: Agent, chat_id: str, body: AgentMessage) -> dict[str, Any]:
        conv = visible(who, chat_id)
        await refusal_as_http(hub.agent_says(conv, who.username, body.text))
        return chat_json(conv, 0)

    @router.post("/api/chat/desk/chats/{chat_id}/close")
    async def close(who: Agent, chat_id: str) -> dict[str, Any]:
        conv = visible(who, chat_id)
        await refusal_as_http(hub.close(conv, who.username))
        return chat_json(conv, 0)

    return router
