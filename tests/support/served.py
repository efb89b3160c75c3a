"""An ASGI app served by uvicorn in the test's event loop and with its lifespan on (as
``guichet up`` serves the web app: the routers' start-up and shut-down run, the desk
states and the wallboard's mode watcher with them), for clients that need a real
socket: websockets, a browser. ``served_app`` picks a free port; ``serving`` takes a
socket the test has bound already (a port it must know before the app is made, the
stack's web port) and uvicorn's other options (TLS files, ...)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

__all__ = ["served_app", "serving"]

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


class _Server(uvicorn.Server):
    """Says when its start-up (the app's lifespan start-up included) is done."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:  # a failed lifespan start-up returns with should_exit set
            self.ready.set()


@asynccontextmanager
async def serving(app: ASGIApp, sock: socket.socket, **options: Any) -> AsyncIterator[None]:
    """``app`` served on ``sock`` (bound and listening; closed on leaving), entered
    once its lifespan's start-up is done; on leaving, the server stops and the
    lifespan's shut-down runs (10 s at most). ``options``: uvicorn.Config's others."""
    server = _Server(uvicorn.Config(app, lifespan="on", log_level="warning", **options))
    running = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        ready = asyncio.create_task(server.ready.wait())
        try:
            await asyncio.wait(
                {ready, running}, timeout=START_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if running.done():
            # uvicorn exits when the lifespan's start-up fails: a test error, not an exit
            raise RuntimeError("the app's server stopped while starting")
        if not server.ready.is_set():
            raise TimeoutError(f"the app did not start within {START_TIMEOUT_S:.0f} s")
        yield
    finally:
        server.should_exit = True
        try:
            await asyncio.wait([running], timeout=STOP_TIMEOUT_S)
            if not running.done():
                running.cancel()
                raise TimeoutError(f"the app did not stop within {STOP_TIMEOUT_S:.0f} s")
            error = None if running.cancelled() else running.exception()
            if isinstance(error, Exception):  # a SystemExit at start is reported above
                raise error
        finally:
            sock.close()


@asynccontextmanager
async def served_app(app: ASGIApp) -> AsyncIterator[str]:
    """``"127.0.0.1:<port>"`` (a free port) once ``app`` has started, as ``serving``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    async with serving(app, sock):
        yield f"127.0.0.1:{sock.getsockname()[1]}"
