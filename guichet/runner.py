"""Running services in the foreground until SIGINT/SIGTERM, then stopping them all."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any


async def run_until_signal(*services: Coroutine[Any, Any, Any]) -> None:
    """Run the coroutines until a signal arrives or one of the long-lived ones
    fails; then cancel and await every one of them."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(s) for s in services]
    stopper = asyncio.create_task(stop.wait())
    try:
        pending = set(tasks) | {stopper}
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                break
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            if pending == {stopper}:
                break
    finally:
        for task in (*tasks, stopper):
            task.cancel()
        await asyncio.gather(*tasks, stopper, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
