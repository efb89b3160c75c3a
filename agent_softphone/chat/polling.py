"""Long polls that end with their client: a closed tab frees its request at once
instead of holding it (and the server's shutdown) until the wait's end."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from starlette.requests import Request

__all__ = ["unless_gone"]


async def _gone(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def unless_gone(request: Request, waiting: Awaitable[None]) -> None:
    """Await ``waiting``, unless the client disconnects first; both tasks are ended
    and awaited here whichever comes first."""
    wait = asyncio.ensure_future(waiting)
    gone = asyncio.ensure_future(_gone(request))
    try:
        await asyncio.wait({wait, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (wait, gone):
            task.cancel()
        await asyncio.gather(wait, gone, return_exceptions=True)
