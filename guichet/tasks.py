"""Every task has an owner that cancels it and waits for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class TaskOwner:
    """Creates tasks, keeps them, and cancels + awaits them in :meth:`aclose`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self.errors: list[BaseException] = []

    def spawn(self, coro: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
        if self._closed:
            coro.close()
            raise RuntimeError(f"{self.name}: closed")
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.name}:{name or ''}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            assert exc is not None
            self.errors.append(exc)
            log.error("%s: task %s failed", self.name, task.get_name(), exc_info=exc)

    async def cancel(self, task: asyncio.Task[Any]) -> None:
        await cancel_and_wait(task)  # a failure is already logged by _done

    async def aclose(self) -> None:
        self._closed = True
        while self._tasks:
            task = self._tasks.pop()
            await self.cancel(task)

    def __len__(self) -> int:
        return len(self._tasks)


async def cancel_and_wait(*tasks: asyncio.Future[Any]) -> None:
    """Cancel short-lived helper tasks and wait until they are really done.

    The owner's own cancellation still propagates when it comes during the wait. One
    the owner is already handling does not come back: this is what clean-up code runs
    (a ``finally`` while the owner is cancelled, as at shutdown), and the clean-up
    after it (closing a media link, the other tasks of a :class:`TaskOwner`) must
    still run, or what it would have stopped is left pending."""
    for task in tasks:
        task.cancel()
    pending = [task for task in tasks if not task.done()]
    if pending:
        await asyncio.wait(pending)  # raises only on a new cancellation of the owner
    for task in tasks:
        if not task.cancelled():
            task.exception()  # retrieved: a helper's failure does not concern its owner


async def until_first_ends(
    *coros: Coroutine[Any, Any, Any], beside: Awaitable[Any] | None = None
) -> None:
    """Run ``coros`` together until the first one ends, re-raising what ended it, then
    cancel and await the others: a connection's send/receive/keepalive tasks.
    ``beside`` (a resync, say) is awaited while they already run."""
    tasks = [asyncio.create_task(coro) for coro in coros]
    try:
        if beside is not None:
            await beside
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        await cancel_and_wait(*tasks)
