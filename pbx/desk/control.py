"""Agent states over AMI (QueueAdd / QueuePause / QueueRemove through
:class:`pbx.queues.AgentControl`), for the web desk.

Each request opens a short AMI session: the desk's actions are rare (a click, a
timer) and must not depend on the queue monitor's connection being up at that
instant, nor share its failure modes. Requests for one account are serialised, so
a wrap-up timer ending and a click on "available" cannot interleave their actions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

from guichet.desk import DESK_STATES
from pbx.ami import AmiConfig, ami_session
from pbx.desk.escalate import redirect_to_queue
from pbx.errors import MemberNotFound
from pbx.queues.monitor import AgentControl, AmiActions

log = logging.getLogger(__name__)

AmiOpener = Callable[[], AbstractAsyncContextManager[AmiActions]]


class PbxDesk:
    """:class:`guichet.desk.DeskControl` on Asterisk."""

    def __init__(self, ami: AmiConfig | AmiOpener) -> None:
        if isinstance(ami, AmiConfig):
            config = ami

            @contextlib.asynccontextmanager
            async def opener() -> AsyncIterator[AmiActions]:
                async with ami_session(config) as connection:
                    yield connection

            self._open: AmiOpener = opener
        else:
            self._open = ami
        self._locks: dict[str, asyncio.Lock] = {}

    async def set_agent_state(
        self, account: str, queues: Sequence[str], state: str, reason: str = ""
    ) -> None:
        if state not in DESK_STATES:
            raise ValueError(f"unknown desk state {state!r}")
        lock = self._locks.setdefault(account, asyncio.Lock())
        async with lock, self._open() as ami:
            control = AgentControl(ami)
            for queue in queues:
                await _apply(control, account, queue, state, reason)
        log.info("desk: %s %s in %s", account, state, ",".join(queues) or "no queue")

    async def escalate(self, call_id: str, queue: str, case_id: str) -> None:
        """AMI Redirect of the caller's channel to ``guichet-queue,<queue>,1`` with
        GUICHET_CASE set (:mod:`pbx.desk.escalate`); the agent's leg ends."""
        async with self._open() as ami:
            await redirect_to_queue(ami, call_id, queue, case_id)


async def _apply(control: AgentControl, account: str, queue: str, state: str, reason: str) -> None:
    if state == "logged_out":
        # already out (a second tab closing, a retried request): nothing to do
        with contextlib.suppress(MemberNotFound):
            await control.logout(account, queue)
        return
    paused = state != "available"
    why = reason or ("wrapup" if state == "wrapup" else "")
    # QueueAdd of a member already there changes nothing: the pause is set after
    await control.login(account, queue, name=account, paused=paused, reason=why)
    if paused:
        await control.pause(account, queue, reason=why)
    else:
        await control.unpause(account, queue)
