"""The call side of the agent desk, as the web app sees it.

The web app (``agent_softphone``) never imports ``pbx``: it drives the queues and
moves calls through this Protocol. ``pbx.desk`` implements it (over AMI) and the
shell (``guichet up``) hands that implementation to the web app
(``AppState.desk``). Which queues an account serves is the web's decision (an
agent: the flow's reception queue; an expert: the queues of their services), so it
is an argument here, not something the call side looks up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol, get_args

__all__ = ["DESK_STATES", "DeskControl", "DeskPolicy", "DeskQueues", "DeskState"]

DeskState = Literal["available", "paused", "wrapup", "logged_out"]
DESK_STATES: Final[tuple[str, ...]] = get_args(DeskState)


class DeskControl(Protocol):
    """What the desk asks of the telephony side. pbx implements it (``pbx.desk``)."""

    async def set_agent_state(
        self, account: str, queues: Sequence[str], state: str, reason: str = ""
    ) -> None:
        """Put ``account`` (its endpoint, ``PJSIP/<account>``) in ``state`` in each of
        ``queues``: ``available`` (logged in, not paused), ``paused`` and ``wrapup``
        (logged in, paused with ``reason``), ``logged_out`` (removed from them).
        Idempotent: a retried request or a reloaded page does no harm."""
        ...

    async def escalate(self, call_id: str, queue: str, case_id: str) -> None:
        """Move the caller of ``call_id`` (bridged with the agent inside app_queue)
        to the service queue ``queue``, carrying ``case_id``; the agent's leg ends."""
        ...


@dataclass(frozen=True)
class DeskQueues:
    """Which queues the desk accounts serve, from the call flow (the shell builds it:
    the web does not read the flow). ``services`` maps a service name (the flow's
    services, the knowledge cards' ones) to its queue, as the hand-over does."""

    reception: str = "reception"
    services: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # queue -> lang -> label

    def queues_for(self, role: str, services: Iterable[str]) -> list[str]:
        """An agent answers the reception queue; an expert the queues of their
        services (a service the flow does not name is taken as its own queue)."""
        if role == "agent":
            return [self.reception]
        if role == "expert":
            return sorted({self.services.get(s, s) for s in services})
        return []

    def all_queues(self) -> list[str]:
        return sorted({self.reception, *self.services.values()})


@dataclass(frozen=True)
class DeskPolicy:
    """What the web desk needs from the settings and the flow (the shell builds it):
    the queues, how long a wrap-up lasts by itself, and how long a desk account may
    be without an open page before it is logged out of its queues (a reload must
    not log anyone out)."""

    queues: DeskQueues = field(default_factory=DeskQueues)
    wrapup_s: float = 30.0
    presence_grace_s: float = 10.0
