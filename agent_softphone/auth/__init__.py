"""Logging in and out, the session, CSRF: ``router(state)`` (``/login``,
``/logout``, ``/api/me``) and the middleware every request goes through."""

from agent_softphone.auth.middleware import (
    CSRF_HEADER,
    SESSION_COOKIE,
    SessionMiddleware,
    same_origin,
)
from agent_softphone.auth.routes import LOGIN_COOKIE, router

__all__ = [
    "CSRF_HEADER",
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "SessionMiddleware",
    "router",
    "same_origin",
]
