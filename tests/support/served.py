"""An ASGI app served by uvicorn on a free port of this machine, in the test's event
loop (as ``guichet up`` serves the web app), for clients that need a real socket:
websockets, a browser."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette

__all__ = ["served_app"]


@asynccontextmanager
async def served_app(app: Starlette) -> AsyncIterator[str]:
    """``"127.0.0.1:<port>"`` while ``app`` is served; stopped (10 s at most) after."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    running = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(running, 10)
        finally:
            sock.close()
