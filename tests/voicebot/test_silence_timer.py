"""The silence timer on frames, with a clock the test drives: the caller is prompted
("je n'entends plus rien") only after a silence of their own, never while the bot is
speaking again (issue 10)."""

from __future__ import annotations

import asyncio

from voicebot.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    SilenceTimeoutFrame,
    UserStartedSpeakingFrame,
)
from voicebot.stages.silence_stage import SilenceConfig, SilenceStage

WITHIN_S = 2.0  # what a woken timer may take to run (it runs at once)


class ManualClock:
    """Timers that expire when the test says so. ``expire`` wakes every timer still
    waiting; ``settle`` waits until each woken timer has run its next step."""

    def __init__(self) -> None:
        self._waiting: list[asyncio.Future[None]] = []
        self._woken = 0
        self._resumed = 0
        self._changed = asyncio.Event()

    async def sleep(self, _seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        self._changed.set()
        try:
            await future
        finally:
            # the woken timer resumes here, and runs on to its next await (or its end)
            # before the test's next step, so counting it is enough
            if future.done() and not future.cancelled():
                self._resumed += 1
                self._changed.set()

    @property
    def running(self) -> int:
        """Timers waiting (a cancelled one is cancelled at once, with its task)."""
        return sum(not f.done() for f in self._waiting)

    async def until_running(self, count: int) -> None:
        """Until ``count`` timers wait (a timer's task starts on the loop's next turn)."""
        async with asyncio.timeout(WITHIN_S):
            while self.running != count:
                self._changed.clear()
                await self._changed.wait()

    def expire(self) -> int:
        woken = [f for f in self._waiting if not f.done()]
        for future in woken:
            future.set_result(None)
        self._waiting.clear()
        self._woken += len(woken)
        return len(woken)

    async def settle(self) -> None:
        async with asyncio.timeout(WITHIN_S):
            while self._resumed < self._woken:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.sleep(0)  # the timer's own step ends after its resumption


def _stage(clock: ManualClock) -> tuple[SilenceStage, list[Frame]]:
    stage = SilenceStage(SilenceConfig(timeout_s=8.0), sleep=clock.sleep)
    out: list[Frame] = []
    stage.link(out.append, out.append)
    return stage, out


def _prompts(frames: list[Frame]) -> int:
    return sum(isinstance(f, SilenceTimeoutFrame) for f in frames)


async def test_the_bot_speaking_again_stops_the_silence_timer() -> None:
    """The playback ran dry between two sentences of an answer (the second came late
    from synthesis): the timer started, then the bot spoke again. The time-out passes
    while the bot speaks: the caller is not prompted. Before the fix they were, in the
    middle of the bot's sentence."""
    clock = ManualClock()
    stage, out = _stage(clock)
    await stage.process_upstream(BotStoppedSpeakingFrame())  # ran dry after sentence 1
    await clock.until_running(1)
    await stage.process_upstream(BotStartedSpeakingFrame())  # sentence 2 plays
    clock.expire()  # sentence 2 is long: the time-out passes while it plays
    await clock.settle()
    assert _prompts(out) == 0
    assert clock.running == 0

    # the bot has finished: now the caller's silence counts, and is prompted once
    await stage.process_upstream(BotStoppedSpeakingFrame())
    await clock.until_running(1)
    assert clock.expire() == 1
    await clock.settle()
    assert _prompts(out) == 1
    assert isinstance(out[-1], SilenceTimeoutFrame)
    await stage.aclose()


async def test_the_caller_is_prompted_after_the_bot_has_finished() -> None:
    clock = ManualClock()
    stage, out = _stage(clock)
    await stage.process_upstream(BotStartedSpeakingFrame())
    await stage.process_upstream(BotStoppedSpeakingFrame())
    await clock.until_running(1)
    assert clock.expire() == 1
    await clock.settle()
    assert _prompts(out) == 1
    await stage.aclose()


async def test_no_prompt_after_a_barge_in_or_while_the_caller_speaks() -> None:
    clock = ManualClock()
    stage, out = _stage(clock)
    await stage.process_upstream(BotStoppedSpeakingFrame(interrupted=True))  # barge-in
    await stage.process(UserStartedSpeakingFrame(t=1.0))
    await stage.process_upstream(BotStoppedSpeakingFrame())
    assert len(stage.tasks) == 0  # no timer was started
    assert _prompts(out) == 0
    await stage.aclose()
