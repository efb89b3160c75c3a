"""Running services together, and in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any


async def run_together(*services: Coroutine[Any, Any, Any]) -> None:
    """Run the coroutines until all have returned or one fails (its exception is
    raised); on the way out, cancel and await every one still running."""
    tasks = [asyncio.create_task(s) for s in services]
    try:
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_until_signal(*services: Coroutine[Any, Any, Any]) -> None:
    """:func:`run_together` until a signal arrives; then stop them all."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    together = asyncio.create_task(run_together(*services))
    stopper = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({together, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if together in done:
            together.result()
    finally:
        for task in (together, stopper):
            task.cancel()
        await asyncio.gather(together, stopper, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
