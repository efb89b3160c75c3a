"""The end of a browser's websocket, as the pages' sockets see it: its close is
seen by reading (nothing a page sends on them is acted on), and ours is sent only
while the socket is still open both ways."""

from __future__ import annotations

import contextlib

from fastapi import WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

__all__ = ["close_quietly", "read_until_closed"]


async def read_until_closed(websocket: WebSocket) -> None:
    """Nothing a browser sends is acted on; reading is how its close is seen."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


async def close_quietly(
    websocket: WebSocket, *, also: tuple[type[BaseException], ...] = ()
) -> None:
    """Close the socket unless it is closed already; a browser that closes at the
    same moment (and ``also`` these errors) is no error."""
    if websocket.application_state is not WebSocketState.CONNECTED:
        return
    if websocket.client_state is WebSocketState.DISCONNECTED:
        return  # the browser closed first: its close frame was answered already
    with contextlib.suppress(WebSocketDisconnect, *also):
        await websocket.close()
