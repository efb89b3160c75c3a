"""``GET /api/me/sip`` and the ``/sip`` websocket relay to Asterisk."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket, status
from fastapi.responses import FileResponse
from starlette.websockets import WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

from agent_softphone.access import Principal, require
from agent_softphone.browser_socket import close_quietly
from agent_softphone.sip.frames import RefusedFrame, check_frame
from agent_softphone.state import AppState
from guichet.accounts import AccountRepository
from guichet.settings import Settings
from guichet.tasks import until_first_ends

log = logging.getLogger(__name__)

# who has a softphone (an admin administers; pbx renders endpoints for the same roles)
SOFTPHONE_ROLES = ("agent", "expert", "supervisor")
SUBPROTOCOL = "sip"  # RFC 7118; Asterisk's SIP websocket speaks only this one
# close codes: 1008 policy (a frame in another's name), 1011 Asterisk unreachable
_POLICY, _UNAVAILABLE = 1008, 1011
# module level: FastAPI reads these annotations from the module, not the closure
Softphone = Annotated[Principal, Depends(require(*SOFTPHONE_ROLES))]
LoggedIn = Annotated[Principal, Depends(require())]
# built at set-up time from npm (mk/web.mk: agent_softphone/web → esbuild), git-ignored
JSSIP_BUNDLE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "jssip.js"


@dataclass(frozen=True)
class SipRelay:
    """Where the relay connects: Asterisk's SIP websocket (http.conf, ``/ws``)."""

    asterisk_ws_url: str

    @classmethod
    def of(cls, settings: Settings) -> SipRelay:
        base = settings.ari_base_url.removeprefix("http://")
        return cls(f"ws://{base}/ws")


def router(state: AppState) -> APIRouter:
    api = APIRouter()
    relay = SipRelay.of(state.settings)

    @api.get("/api/me/sip")
    def me_sip(request: Request, who: Softphone) -> dict[str, Any]:
        """The account's own SIP identity, for JsSIP: the page never asks the person."""
        account = AccountRepository(state.store).get(who.username)
        if account is None or account.disabled:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in first")
        scheme = "wss" if request.url.scheme == "https" else "ws"
        return {
            "user": account.username,
            "uri": f"sip:{account.username}@{request.url.hostname}",
            "password": account.sip_secret,
            "display_name": account.display_name,
            # same origin as the page: the web app relays to Asterisk
            "ws_url": f"{scheme}://{request.url.netloc}/sip",
            # everything is local: no STUN/TURN server is consulted
            "ice_servers": [],
        }

    @api.get("/static/vendor/jssip.js")
    def jssip(who: LoggedIn) -> FileResponse:
        """The JsSIP bundle, for logged-in pages only (like every route but the login)."""
        if not JSSIP_BUNDLE.is_file():
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "JsSIP is not built: run `make setup`"
            )
        return FileResponse(
            JSSIP_BUNDLE,
            media_type="text/javascript",
            headers={"Cache-Control": "private, max-age=3600"},
        )

    @api.websocket("/sip")
    async def sip(websocket: WebSocket, who: Softphone) -> None:
        # JsSIP offers "sip" (RFC 7118); accepted first, so that a browser told
        # "telephony unavailable" (1011) retries, as it does after a network drop
        offered = SUBPROTOCOL in websocket.scope.get("subprotocols", [])
        await websocket.accept(subprotocol=SUBPROTOCOL if offered else None)
        try:
            upstream = await connect(
                relay.asterisk_ws_url,
                subprotocols=[Subprotocol(SUBPROTOCOL)],
                open_timeout=5,
                max_size=2**16,
                ping_interval=None,  # SIP has its own keep-alives (CRLF, OPTIONS)
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            log.warning("SIP relay for %s: Asterisk unreachable: %s", who.username, exc)
            await websocket.close(_UNAVAILABLE, "telephony unavailable")
            return
        try:
            await until_first_ends(
                _browser_to_asterisk(websocket, upstream, who.username),
                _asterisk_to_browser(upstream, websocket),
            )
        finally:
            await upstream.close()
            await close_quietly(websocket, also=(RuntimeError, asyncio.CancelledError))

    return api


async def _browser_to_asterisk(websocket: WebSocket, upstream: ClientConnection, user: str) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            raw = message.get("bytes") or b""
            text = raw.decode("utf-8", errors="replace")
        try:
            check_frame(text, user)
        except RefusedFrame as exc:
            log.warning("SIP relay: frame refused for %s: %s", user, exc)
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await websocket.close(_POLICY, "SIP in another user's name")
            return
        try:
            await upstream.send(text)
        except ConnectionClosed:
            return


async def _asterisk_to_browser(upstream: ClientConnection, websocket: WebSocket) -> None:
    try:
        async for message in upstream:
            text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
            await websocket.send_text(text)
    except (ConnectionClosed, WebSocketDisconnect):
        return
