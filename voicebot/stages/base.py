"""The stage contract: ``process(frame)`` returns quickly; heavy work goes to an
executor inside a task the stage owns (and cancels on interruption)."""

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

    def link(self, push: Push) -> None:
        self._push = push

    def push(self, frame: Frame) -> None:
        if self._push is not None:
            self._push(frame)

    async def process(self, frame: Frame) -> None:
        """Handle one frame; pass on what this stage does not consume."""
        self.push(frame)

    async def aclose(self) -> None:
        await self.tasks.aclose()
