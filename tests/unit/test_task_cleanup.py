"""Clean-up while a task is cancelled (what every call's task goes through when the
controller stops): cancelling helpers in a ``finally`` must not cut short the rest of
that ``finally``, nor leave a :class:`TaskOwner`'s other tasks pending — those are the
tasks an event loop later destroys while pending (issue 10)."""

from __future__ import annotations

import asyncio

import pytest

from guichet.tasks import TaskOwner, cancel_and_wait

WITHIN_S = 2.0


async def forever() -> None:
    await asyncio.Event().wait()


async def test_clean_up_after_a_helper_still_runs_when_the_owner_is_cancelled() -> None:
    done: list[str] = []
    waiting = asyncio.Event()

    async def owner() -> None:
        helper = asyncio.ensure_future(forever())
        try:
            waiting.set()
            await forever()
        finally:
            await cancel_and_wait(helper)
            done.append("after the helper")  # e.g. closing the call's media link

    task = asyncio.ensure_future(owner())
    await asyncio.wait_for(waiting.wait(), WITHIN_S)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, WITHIN_S)
    assert done == ["after the helper"]


async def test_a_cancelled_owner_closes_every_task_it_owns() -> None:
    waiting = asyncio.Event()
    tasks = TaskOwner("test")
    spawned = [tasks.spawn(forever(), f"t{i}") for i in range(3)]

    async def owner() -> None:
        try:
            waiting.set()
            await forever()
        finally:
            await tasks.aclose()

    task = asyncio.ensure_future(owner())
    await asyncio.wait_for(waiting.wait(), WITHIN_S)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, WITHIN_S)
    assert all(t.cancelled() for t in spawned)
    assert len(tasks) == 0


async def test_a_new_cancellation_of_the_owner_still_propagates() -> None:
    """Not swallowed: a cancel that comes while the owner waits for its helper (one
    that takes its time to stop) is the owner's own, and is raised."""
    running, stopping, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def slow_to_stop() -> None:
        running.set()
        try:
            await forever()
        finally:
            stopping.set()
            await release.wait()

    helper = asyncio.ensure_future(slow_to_stop())
    await asyncio.wait_for(running.wait(), WITHIN_S)
    owner = asyncio.ensure_future(cancel_and_wait(helper))
    await asyncio.wait_for(stopping.wait(), WITHIN_S)
    owner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(owner, WITHIN_S)
    release.set()
    await asyncio.wait_for(asyncio.wait({helper}), WITHIN_S)
    assert helper.cancelled()
