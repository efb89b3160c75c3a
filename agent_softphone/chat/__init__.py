"""The website's chat widget: public visitor routes (the voicebot's dialog in text,
the same knowledge base, every conversation a case on channel ``web``), the agents'
side behind login (hand-over into the desk), the widget's files, and the CORS/CSP
middleware for calls from the city's site. ``router(state)`` as every feature."""

from __future__ import annotations

from fastapi import APIRouter

from agent_softphone.chat.assets import assets_router
from agent_softphone.chat.cors import TOKEN_HEADER, ChatCorsMiddleware
from agent_softphone.chat.desk import CHAT_DESK_ROLES, desk_chat_router
from agent_softphone.chat.hub import ChatError, ChatHub, ChatRefused
from agent_softphone.chat.visitor import visitor_router
from agent_softphone.state import AppState

__all__ = [
    "CHAT_DESK_ROLES",
    "TOKEN_HEADER",
    "ChatCorsMiddleware",
    "ChatError",
    "ChatHub",
    "ChatRefused",
    "chat_hub",
    "router",
]


def chat_hub(state: AppState) -> ChatHub:
    """The app's one hub (made on first use; a test or the bench may give its own)."""
    if state.chat is None:
        state.chat = ChatHub(
            state.store, state.settings, lambda: state.knowledge, bus=lambda: state.bus
        )
    hub: ChatHub = state.chat
    return hub


def router(state: AppState) -> APIRouter:
    hub = chat_hub(state)
    api = APIRouter()
    api.include_router(visitor_router(hub))
    api.include_router(desk_chat_router(hub))
    api.include_router(assets_router())
    return api
