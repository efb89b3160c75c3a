"""The stage contract: ``process(frame)`` returns quickly; heavy work goes to an
executor inside a task the stage owns (and cancels on interruption).

A stage receives frames from upstream in :meth:`Stage.process` and frames from
downstream (feedback: the bot speaks, the caller chose a language) in
:meth:`Stage.process_upstream`. Both pass on by default what the stage does not
consume, so a stage that does not care about a frame need not know it exists."""

from __future__ import annotations

from collections.abc import Callable

from guichet.tasks import TaskOwner
from voicebot.frames import Frame

Push = Callable[[Frame], None]


class Stage:
    name = "stage"

    def __init__(self) -> None:
        self.tasks = TaskOwner(self.name)
        self._push: Push | None = None
        self._push_upstream: Push | None = None

    def link(self, push: Push, upstream: Push | None = None) -> None:
        """``push``: where this stage's output goes; ``upstream``: where its feedback goes."""
        self._push = push
        self._push_upstream = upstream

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
