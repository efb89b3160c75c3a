"""The chat's public routes are called from the city's site, another origin: CORS
names only the configured origins (``web_chat_origins``), and everything Guichet
serves on those routes carries a strict Content-Security-Policy.

- A preflight (``OPTIONS``) from a listed origin gets the CORS answer; from any other
  origin, 403 without CORS headers (the browser refuses the call).
- A request whose ``Origin`` is neither listed nor Guichet's own is refused with 403
  before any route runs: a page elsewhere cannot drive a conversation even where a
  browser would let a "simple" request through.
- No cookies cross: the visitor has no session (``Access-Control-Allow-Credentials``
  is never sent); the conversation is named by the ``X-Chat-Token`` header.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CHAT_CSP", "TOKEN_HEADER", "ChatCorsMiddleware", "is_public_chat_path", "origin_of"]

TOKEN_HEADER = "X-Chat-Token"  # noqa: S105 - a header name, not a secret
# JSON and scripts: nothing in them may load or frame anything
CHAT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_PUBLIC_PREFIX = "/api/chat/"
_DESK_PREFIX = "/api/chat/desk/"
_PUBLIC_FILES = frozenset({"/widget.js", "/widget.css"})


def is_public_chat_path(path: str) -> bool:
    if path in _PUBLIC_FILES:
        return True
    return path.startswith(_PUBLIC_PREFIX) and not path.startswith(_DESK_PREFIX)


def origin_of(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case, or None for what is not an origin."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class ChatCorsMiddleware:
    def __init__(self, app: ASGIApp, origins: Iterable[str]) -> None:
        self.app = app
        self.origins = frozenset(o for o in (origin_of(v) for v in origins) if o)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_public_chat_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        raw_origin = headers.get("origin")
        origin = origin_of(raw_origin) if raw_origin is not None else None
        listed = origin is not None and origin in self.origins
        own = raw_origin is None or _same_origin(origin, headers, scope)
        if scope["method"] == "OPTIONS":
            if listed:
                await _preflight(send, origin or "")
            else:
                await _refuse(send, 403, "origin not allowed")
            return
        if not (listed or own):
            await _refuse(send, 403, "origin not allowed")
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                _security(out)
                out.append("Vary", "Origin")
                if listed:
                    out["Access-Control-Allow-Origin"] = origin or ""
                    out["Access-Control-Expose-Headers"] = "Retry-After"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _same_origin(origin: str | None, headers: Headers, scope: Scope) -> bool:
    if origin is None:
        return False
    host = headers.get("host", "")
    return bool(host) and urlsplit(origin).netloc == host.lower()


def _security(out: MutableHeaders) -> None:
    out["Content-Security-Policy"] = CHAT_CSP
    out["X-Content-Type-Options"] = "nosniff"
    out["Referrer-Policy"] = "no-referrer"
    # the widget's files are loaded by the city's pages: allowed across origins
    out["Cross-Origin-Resource-Policy"] = "cross-origin"


async def _preflight(send: Send, origin: str) -> None:
    out = MutableHeaders()
    out["Access-Control-Allow-Origin"] = origin
    out["Access-Control-Allow-Methods"] = "GET, POST"
    out["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}"
    out["Access-Control-Max-Age"] = "600"
    out["Vary"] = "Origin"
    out["Content-Length"] = "0"
    _security(out)
    await send({"type": "http.response.start", "status": 204, "headers": out.raw})
    await send({"type": "http.response.body", "body": b""})


async def _refuse(send: Send, code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    out = MutableHeaders()
    out["Content-Type"] = "application/json"
    out["Content-Length"] = str(len(body))
    _security(out)
    await send({"type": "http.response.start", "status": code, "headers": out.raw})
    await send({"type": "http.response.body", "body": body})
