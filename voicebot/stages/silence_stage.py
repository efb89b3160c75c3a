"""Silence stage: prompts a caller who says nothing once the bot has finished.

The timer starts when the bot's voice runs out (an upstream BotStoppedSpeakingFrame
that is not a barge-in) while the caller is not speaking, and stops when the caller
starts speaking, presses a key or hangs up, or when the bot speaks again (an upstream
BotStartedSpeakingFrame: the next sentence of an answer came late from synthesis, and
the playback had run dry meanwhile). When it runs out, a SilenceTimeoutFrame goes to
the dialog (which ignores it while a lookup runs or after the goodbye).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from voicebot.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    DTMFFrame,
    Frame,
    HangupFrame,
    SilenceTimeoutFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicebot.stages.base import Stage


@dataclass(frozen=True)
class SilenceConfig:
    timeout_s: float = 8.0  # caller silence after the bot stops, before a prompt; 0: never


class SilenceStage(Stage):
    name = "silence"

    def __init__(
        self,
        config: SilenceConfig | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``sleep`` waits out the time-out (a test hands a clock it drives)."""
        super().__init__()
        self.config = config or SilenceConfig()
        self._sleep = sleep
        self._caller_speaking = False
        self._timer: asyncio.Task[None] | None = None

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self._caller_speaking = True
            self._cancel_timer()
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self._caller_speaking = False
        elif isinstance(frame, DTMFFrame | HangupFrame):
            self._cancel_timer()
        self.push(frame)

    async def process_upstream(self, frame: Frame) -> None:
        if isinstance(frame, BotStartedSpeakingFrame):
            self._cancel_timer()  # the bot speaks again: not the caller's silence
        elif (
            isinstance(frame, BotStoppedSpeakingFrame)
            and not frame.interrupted
            and self.config.timeout_s > 0
            and not self._caller_speaking
        ):
            self._cancel_timer()
            self._timer = self.spawn(self._wait(), "silence")
        self.push_upstream(frame)

    def _cancel_timer(self) -> None:
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()  # the owner awaits it at close
        self._timer = None

    async def _wait(self) -> None:
        await self._sleep(self.config.timeout_s)  # the timeout itself, not a synchronisation
        self._timer = None
        self.push(SilenceTimeoutFrame())
