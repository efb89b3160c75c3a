"""Abuse limits for the public chat routes: a sliding window per key (an IP, a
conversation), in memory.

In memory on purpose: the limits bound one process's work; a city that runs several
web processes behind a balancer gives each the same limits (a visitor's IP may then
get a few more requests than the setting, never unbounded). Keys expire with their
window, so a flood of distinct IPs costs memory for one window at most."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Refused", "SlidingWindow"]


@dataclass(frozen=True)
class Refused:
    """A limit was hit: what the visitor is told, and when to try again."""

    limit: str  # which limit (ip, conversation, starts)
    retry_after_s: int


class SlidingWindow:
    """At most ``limit`` hits per key within ``window_s`` seconds."""

    def __init__(
        self,
        name: str,
        limit: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.name = name
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> Refused | None:
        """Count one hit for ``key``; a :class:`Refused` when it is over the limit (the
        refused hit is not counted: a visitor who waits gets through)."""
        now = self._clock()
        if len(self._hits) >= self._max_keys:
            self._sweep(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            wait = hits[0] + self.window_s - now
            return Refused(self.name, max(1, math.ceil(wait)))
        hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        stale = [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]
        for key in stale:
            del self._hits[key]
        if len(self._hits) >= self._max_keys:  # a flood of live keys: forget the oldest
            oldest = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in oldest[: len(oldest) // 2]:
                del self._hits[key]
