"""A thread pool whose queue serves urgent work first (a reply's first sentence), and
the ASR scheduler built on it: one set of Whisper workers for the voicebot's turns and
live assist, by priority (:class:`AsrLane`)."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

__all__ = [
    "ASR_ASSIST_FINAL",
    "ASR_ASSIST_INTERIM",
    "ASR_VOICEBOT",
    "AsrLane",
    "Dropped",
    "PriorityPool",
]

T = TypeVar("T")

# The ASR scheduler's priorities (lower first). The voicebot's turns use the pool's
# plain ``submit`` (1): a caller talking with the bot never waits behind live assist.
ASR_VOICEBOT = 1
ASR_ASSIST_FINAL = 2  # the final text of an agent call's utterance
ASR_ASSIST_INTERIM = 3  # a partial text during a long utterance: dropped under load


class Dropped(RuntimeError):
    """Work refused (or taken back) because the pool was busy: interim texts only."""


class PriorityPool(Executor):
    """``submit_priority(0, fn, …)`` runs before queued priority-1 work; FIFO within a level."""

    def __init__(self, workers: int, name: str) -> None:
        self._heap: list[tuple[int, int, Future[Any], Callable[..., Any], tuple[Any, ...]]] = []
        self._workers = workers
        self._busy = 0  # workers running a job now
        self._droppable: set[Future[Any]] = set()
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._shutdown = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit_priority(self, priority: int, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._cond:
            if self._shutdown:
                raise RuntimeError("pool is shut down")
            self._drop_waiting()
            heapq.heappush(self._heap, (priority, next(self._seq), future, fn, args))
            self._cond.notify()
        return future

    def submit_droppable(self, priority: int, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """Run ``fn`` only if a worker is free now; otherwise the future fails at once
        with :class:`Dropped`. Queued droppable work still waiting when any other work
        arrives is dropped too: it never delays what matters (it is only ever
        worth doing on an idle pool)."""
        future: Future[T] = Future()
        with self._cond:
            if self._shutdown:
                raise RuntimeError("pool is shut down")
            if self._heap or self._busy >= self._workers:
                future.set_exception(Dropped("no idle worker"))
                return future
            heapq.heappush(self._heap, (priority, next(self._seq), future, fn, args))
            self._droppable.add(future)
            self._cond.notify()
        return future

    @property
    def load(self) -> tuple[int, int]:
        """(busy workers, queued jobs): for measurements and tests."""
        with self._cond:
            return self._busy, len(self._heap)

    def _drop_waiting(self) -> None:
        """Called with the lock held: other work arrived, queued droppables go."""
        if not self._droppable:
            return
        kept = []
        for item in self._heap:
            if item[2] in self._droppable:
                self._droppable.discard(item[2])
                item[2].set_exception(Dropped("other work arrived"))
            else:
                kept.append(item)
        heapq.heapify(kept)
        self._heap = kept

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if kwargs:
            return self.submit_priority(1, lambda: fn(*args, **kwargs))
        return self.submit_priority(1, fn, *args)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._shutdown:
                    self._cond.wait()
                if not self._heap:
                    return
                _prio, _seq, future, fn, args = heapq.heappop(self._heap)
                self._droppable.discard(future)
                if not future.set_running_or_notify_cancel():
                    continue
                self._busy += 1
            try:
                future.set_result(fn(*args))
            except BaseException as exc:
                future.set_exception(exc)
            finally:
                with self._cond:
                    self._busy -= 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._cond:
            self._shutdown = True
            if cancel_futures:
                for item in self._heap:
                    item[2].cancel()
                self._heap.clear()
            self._cond.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()


class AsrLane(Executor):
    """One user's view of the shared ASR pool: everything it submits runs at
    ``priority``; ``droppable`` lanes only run on an idle pool (interim texts).
    Over a plain executor (tests' fakes), it simply submits."""

    def __init__(self, pool: Executor, priority: int, *, droppable: bool = False) -> None:
        self.pool = pool
        self.priority = priority
        self.droppable = droppable

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        call: Callable[..., T] = (lambda: fn(*args, **kwargs)) if kwargs else fn
        call_args = () if kwargs else args
        if isinstance(self.pool, PriorityPool):
            if self.droppable:
                return self.pool.submit_droppable(self.priority, call, *call_args)
            return self.pool.submit_priority(self.priority, call, *call_args)
        return self.pool.submit(call, *call_args)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """The pool is shared: a lane never shuts it down."""
