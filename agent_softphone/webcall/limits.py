"""The call button's abuse limits: calls per visitor IP in a sliding hour, and web
calls at once (each holds a voicebot: speech recognition is the scarce resource)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CallLimits", "Refusal"]

Refusal = Literal["rate", "busy"]
WINDOW_S = 3600.0


@dataclass
class CallLimits:
    max_concurrent: int
    per_ip_per_hour: int
    clock: Callable[[], float] = time.monotonic
    _starts: dict[str, deque[float]] = field(default_factory=dict)
    _active: int = 0

    @property
    def active(self) -> int:
        return self._active

    def admit(self, ip: str) -> Refusal | None:
        """Take a place for a call from ``ip``, or say why not (``release`` it after)."""
        now = self.clock()
        starts = self._starts.setdefault(ip, deque())
        while starts and now - starts[0] > WINDOW_S:
            starts.popleft()
        if len(starts) >= self.per_ip_per_hour:
            return "rate"
        if self._active >= self.max_concurrent:
            return "busy"
        starts.append(now)
        self._active += 1
        self._forget_idle(now)
        return None

    def release(self) -> None:
        self._active = max(0, self._active - 1)

    def _forget_idle(self, now: float) -> None:
        # bounded memory: addresses whose last call left the window are dropped
        if len(self._starts) > 10_000:
            for ip in [ip for ip, s in self._starts.items() if not s or now - s[-1] > WINDOW_S]:
                del self._starts[ip]
