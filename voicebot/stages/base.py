"""The stage contract: ``process(frame)`` returns quickly; heavy work goes to an
executor inside a task the stage owns (and cancels on interruption).

A stage receives frames from upstream in :meth:`Stage.process` and frames from
downstream (feedback: the bot speaks, the caller chose a language) in
:meth:`Stage.process_upstream`. Both pass on by default what the stage does not
consume, so a stage that does not care about a frame need not know it exists.

A stage that cannot do its part any more (an engine that fails or does not answer in
time, a bug on a frame) says so with :meth:`Stage.fail`: the pipeline stops handing
out the bot's output and tells the transport, which hands the call over. Work a
stage runs in its own tasks goes through :meth:`Stage.spawn`, so that a failure
there is reported too rather than leaving the caller waiting for a reply."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from guichet.tasks import TaskOwner
from voicebot.frames import Frame

Push = Callable[[Frame], None]
Failed = Callable[[str, BaseException], None]
T = TypeVar("T")

log = logging.getLogger(__name__)


async def within(work: Awaitable[T], seconds: float) -> T:
    """``work``'s result, or TimeoutError after ``seconds``. ``asyncio.timeout`` and
    not ``wait_for``: Python 3.11's ``wait_for`` may swallow a cancellation that comes
    as the work completes, and a stage task that ignores its cancellation hangs the
    pipeline's close."""
    async with asyncio.timeout(seconds):
        return await work


class Stage:
    name = "stage"

    def __init__(self) -> None:
        self.tasks = TaskOwner(self.name)
        self._push: Push | None = None
        self._push_upstream: Push | None = None
        self._failed: Failed | None = None

    def link(self, push: Push, upstream: Push | None = None, failed: Failed | None = None) -> None:
        """``push``: where this stage's output goes; ``upstream``: where its feedback
        goes; ``failed``: who is told when the stage cannot go on."""
        self._push = push
        self._push_upstream = upstream
        self._failed = failed

    def fail(self, error: BaseException) -> None:
        """This stage cannot do its part any more (``error`` says why)."""
        if self._failed is None:
            log.error("%s failed", self.name, exc_info=error)
            return
        self._failed(self.name, error)

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``work`` in a task this stage owns; its failure is the stage's."""
        task = self.tasks.spawn(work, name)
        task.add_done_callback(self._reported)
        return task

    def _reported(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            self.fail(error)

    def push(self, frame: Frame) -> None:
        if self._push is not None:
            self._push(frame)

    def push_upstream(self, frame: Frame) -> None:
        if self._push_upstream is not None:
            self._push_upstream(frame)

    async def start(self) -> None:
        """Called once the pipeline runs (the dialog greets the caller here)."""

    async def process(self, frame: Frame) -> None:
        """Handle one frame from upstream; pass on what this stage does not consume."""
        self.push(frame)

    async def process_upstream(self, frame: Frame) -> None:
        """Handle one frame from downstream; pass on what this stage does not consume."""
        self.push_upstream(frame)

    async def aclose(self) -> None:
        await self.tasks.aclose()
