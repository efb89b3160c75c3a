"""Whether the city hall takes calls now, and the operators' levers on it: the
day/night/auto mode and the closures added for today (a strike, a snow day).

The web app (the supervisor wallboard) acts through :class:`OpeningControl`; the
call side implements it (``pbx.opening``: the mode is stored and mirrored into
Asterisk's AstDB, the closures stored where the routing reads them on every call),
and ``guichet up`` wires it. Plain values here: the web app never sees the flow.
A change made outside the web app (``guichet mode``) is published as well while the
app runs (:meth:`OpeningControl.watching`, opened by the wallboard's lifespan).
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from guichet.errors import GuichetError

__all__ = [
    "MODES",
    "ClosureView",
    "OpeningControl",
    "OpeningError",
    "OpeningState",
]

MODES = ("day", "night", "auto")


class OpeningError(GuichetError):
    """The change was refused (a bad period) or could not be made (store, Asterisk)."""


@dataclass(frozen=True)
class ClosureView:
    """A closure an operator added: calls from ``starts_at`` to ``ends_at`` go to the
    voicebot as outside hours, with ``reason`` said to the caller's case."""

    id: int
    reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    created_by: str = ""
    created_at: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass(frozen=True)
class OpeningState:
    """The mode, and where the next call goes now (``target``: reception_queue or
    voicebot; ``reason``: open, closure, outside_hours…; ``detail``: for a person)."""

    mode: str
    target: str
    reason: str
    detail: str
    desk_open: bool
    next_opening: dt.datetime | None = None
    closures: tuple[ClosureView, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "target": self.target,
            "reason": self.reason,
            "detail": self.detail,
            "desk_open": self.desk_open,
            "next_opening": self.next_opening.isoformat() if self.next_opening else None,
            "closures": [c.to_json() for c in self.closures],
        }


class OpeningControl(Protocol):
    """What the wallboard may do to routing; ``by`` is the audit's actor
    (``web:<login>``). Each change takes effect on the next call and is published
    on the bus (:class:`~guichet.events.RoutingModeChanged`, ``ClosureAdded``…)."""

    async def state(self) -> OpeningState: ...

    async def set_mode(self, mode: str, *, by: str) -> OpeningState: ...

    async def add_closure(
        self, reason: str, starts_at: dt.datetime, ends_at: dt.datetime, *, by: str
    ) -> ClosureView: ...

    async def remove_closure(self, closure_id: int, *, by: str) -> None: ...

    def watching(self) -> AbstractAsyncContextManager[None]:
        """While open, a mode set outside this process (``guichet mode``, another
        instance) is published too, once, within a few seconds."""
        ...
