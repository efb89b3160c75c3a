"""One supervisor on one agent call: a mixing bridge of its own holding the
supervisor's leg (their softphone, rung by ARI originate) and one snoop on the
agent's channel (:mod:`pbx.supervision.modes`). The call itself stays in app_queue's
bridge, untouched; changing mode swaps the snoop, the supervisor's leg stays.

It ends when the supervisor hangs up, when the agent's channel goes (its snoop goes
with it), when app_queue reports the call completed, or on request; then everything
it made is hung up or destroyed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from guichet.supervision import (
    CallNotSupervisable,
    SupervisionMode,
    SupervisionSession,
    SupervisorUnreachable,
)
from pbx.ari.rest import AriRest
from pbx.errors import AriError, AriNotFound, CallNotFound
from pbx.supervision.modes import snoop_params

__all__ = ["SUPERVISION_PREFIX", "SupervisedCall"]

log = logging.getLogger(__name__)

# every channel and bridge supervision makes is named so (its own ARI application):
# a restarted controller finds what a dead one left and removes it
SUPERVISION_PREFIX = "guichet-supervision-"
STASIS_TIMEOUT_S = 5.0
LEAVE_TIMEOUT_S = 5.0

Expect = Callable[[str], "asyncio.Future[None]"]


class SupervisedCall:
    def __init__(
        self,
        rest: AriRest,
        *,
        app: str,
        call_id: str,
        agent: str,
        agent_channel_id: str,
        supervisor: str,
        endpoint: str,
        expect_stasis_start: Expect,
        expect_stasis_end: Expect,
        ring_timeout_s: float = 30.0,
    ) -> None:
        self.rest = rest
        self.app = app
        self.call_id = call_id
        self.agent = agent
        self.agent_channel_id = agent_channel_id
        self.supervisor = supervisor
        self.endpoint = endpoint
        self.ring_timeout_s = ring_timeout_s
        self._expect = expect_stasis_start
        self._expect_end = expect_stasis_end
        tag = uuid.uuid4().hex[:8]  # a new session on the same call never reuses an id
        self.bridge_id = f"{SUPERVISION_PREFIX}{call_id}-{tag}"
        self.supervisor_channel_id = f"{self.bridge_id}-sup"
        self.snoop_id = ""  # the current snoop ("" before the first)
        self.mode: SupervisionMode = "listen"
        self.ended = asyncio.Event()
        self._snoops = 0
        self._bridge_made = False

    @property
    def channel_ids(self) -> set[str]:
        """The channels whose end is the session's end (an old snoop's is not)."""
        return {c for c in (self.supervisor_channel_id, self.snoop_id) if c}

    def session(self) -> SupervisionSession:
        return SupervisionSession(self.call_id, self.agent, self.supervisor, self.mode)

    async def open(self, mode: SupervisionMode) -> None:
        """Ring the supervisor, bridge them with a snoop in ``mode``. Raises
        SupervisorUnreachable, CallNotSupervisable, AriError; :meth:`close` after."""
        await self.rest.create_bridge(self.bridge_id)
        self._bridge_made = True
        answered = self._expect(self.supervisor_channel_id)
        try:
            # AriRest has no originate (pbx/ari is not supervision's to change)
            await self.rest._request(
                "POST",
                "/channels",
                params={
                    "endpoint": self.endpoint,
                    "app": self.app,
                    "channelId": self.supervisor_channel_id,
                    "callerId": f"Supervision <{self.agent}>",
                    "timeout": int(self.ring_timeout_s),
                },
                not_found=AriNotFound("endpoint", self.endpoint),
            )
        except AriError as exc:  # no such endpoint, not registered
            answered.cancel()
            raise SupervisorUnreachable(f"{self.endpoint}: {exc}") from exc
        try:
            # the originated channel enters the application when it is answered
            await asyncio.wait_for(asyncio.shield(answered), self.ring_timeout_s + 2.0)
        except TimeoutError:
            raise SupervisorUnreachable(f"{self.endpoint} did not answer") from None
        await self.rest.add_to_bridge(self.bridge_id, self.supervisor_channel_id)
        await self._snoop(mode)

    async def change(self, mode: SupervisionMode) -> None:
        if mode != self.mode:
            await self._snoop(mode)

    async def _snoop(self, mode: SupervisionMode) -> None:
        self._snoops += 1
        snoop_id = f"{self.bridge_id}-snoop{self._snoops}"
        entered = self._expect(snoop_id)
        try:
            await self.rest._request(
                "POST",
                f"/channels/{self.agent_channel_id}/snoop",
                params=snoop_params(mode, app=self.app, snoop_id=snoop_id),
                not_found=CallNotFound(self.agent_channel_id),
            )
        except AriNotFound as exc:
            entered.cancel()
            raise CallNotSupervisable(f"call {self.call_id}: the agent's channel is gone") from exc
        # a channel joins a bridge only once in the application (earlier: 422)
        await asyncio.wait_for(asyncio.shield(entered), STASIS_TIMEOUT_S)
        old, self.snoop_id, self.mode = self.snoop_id, snoop_id, mode
        if old:  # replaced first: its end is not the session's
            with contextlib.suppress(AriError):
                await self.rest.hangup(old)
        await self.rest.add_to_bridge(self.bridge_id, snoop_id)
        log.info("call %s: %s %s (agent %s)", self.call_id, self.supervisor, mode, self.agent)

    async def close(self) -> None:
        """Everything this session made is gone from Asterisk when this returns (or
        after ``LEAVE_TIMEOUT_S``: a REST hang-up completes at the StasisEnd)."""
        self.ended.set()
        channels = sorted(self.channel_ids)
        leaving = [self._expect_end(c) for c in channels]
        for channel_id in channels:
            with contextlib.suppress(AriError):  # gone already (hung up, or never was)
                await self.rest.hangup(channel_id)
        _, pending = await asyncio.wait(leaving, timeout=LEAVE_TIMEOUT_S)
        if pending:
            log.warning(
                "supervision %s: channels not gone in %.0f s", self.bridge_id, LEAVE_TIMEOUT_S
            )
        if self._bridge_made:
            with contextlib.suppress(AriError):
                await self.rest.destroy_bridge(self.bridge_id)
            self._bridge_made = False
