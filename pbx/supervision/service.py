"""Supervision's ARI application (``<ari_app>-supervision``) and
:class:`PbxSupervision`, the :class:`guichet.supervision.SupervisionControl` the shell
hands to the web app.

Which agent channel a call is connected to comes from the queue events on the bus
(``AgentConnected`` carries the agent leg's channel id; ``AgentCompleted`` ends it
and any supervision of it). After every ARI (re)connect, the application's channels
and the bridges named for supervision that no session owns are removed: a controller
that died leaves no orphan snoop, nor a supervisor's phone off-hook in an empty bridge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from guichet.bus import EventBus
from guichet.events import AgentCompleted, AgentConnected, SupervisionChanged
from guichet.settings import Settings
from guichet.supervision import (
    SUPERVISION_MODES,
    CallNotSupervisable,
    SupervisionBusy,
    SupervisionError,
    SupervisionMode,
    SupervisionSession,
    SupervisionUnavailable,
    SupervisorUnreachable,
)
from guichet.tasks import TaskOwner
from pbx.ari.application import AppChannels, AriConnection, serve_application, wind_up_calls
from pbx.ari.events import AriEvent, ChannelDestroyed, StasisEnd, StasisStart
from pbx.ari.rest import AriRest
from pbx.assist import agent_of_member
from pbx.credentials import credentials
from pbx.errors import AriError
from pbx.supervision.session import SUPERVISION_PREFIX, SupervisedCall

__all__ = ["PbxSupervision"]

log = logging.getLogger(__name__)

STOP_GRACE_S = 10.0


def softphone_endpoint(username: str) -> str:
    """A desk account's own endpoint (its WebRTC softphone)."""
    return f"PJSIP/{username}"


@dataclass(frozen=True)
class _Connected:
    agent_channel_id: str
    agent: str


class PbxSupervision:
    """:class:`guichet.supervision.SupervisionControl` on Asterisk (ARI snoop)."""

    def __init__(
        self,
        *,
        ari: AriConnection,  # supervision's own application
        bus: EventBus,
        endpoint_of: Callable[[str], str] = softphone_endpoint,
        ring_timeout_s: float = 30.0,
    ) -> None:
        self.ari = ari
        self.bus = bus
        self.endpoint_of = endpoint_of
        self.ring_timeout_s = ring_timeout_s
        self.rest = AriRest(ari.base_url, ari.user, ari.password)
        self._connected: dict[str, _Connected] = {}  # by the caller's channel id
        self._calls: dict[str, SupervisedCall] = {}
        self._watching: dict[str, asyncio.Task[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.channels = AppChannels()
        self._up = False  # the application is connected
        self._tasks = TaskOwner("supervision")

    @classmethod
    def from_settings(cls, settings: Settings, bus: EventBus) -> PbxSupervision:
        creds = credentials(settings)
        return cls(
            ari=AriConnection.from_settings(
                settings,
                app=f"{settings.ari_app}-supervision",
                user=creds.ari_user,
                password=creds.ari_password,
            ),
            bus=bus,
        )

    # --- SupervisionControl ---
    def sessions(self) -> list[SupervisionSession]:
        return [c.session() for c in self._calls.values() if not c.ended.is_set()]

    async def supervise(
        self, call_id: str, supervisor: str, mode: SupervisionMode
    ) -> SupervisionSession:
        if mode not in SUPERVISION_MODES:
            raise ValueError(f"unknown supervision mode {mode!r}")
        if not self._up:
            raise SupervisionUnavailable("the supervision application is not connected")
        async with self._locks.setdefault(call_id, asyncio.Lock()):
            current = self._calls.get(call_id)
            if current is not None and not current.ended.is_set():
                if current.supervisor != supervisor:
                    raise SupervisionBusy(f"call {call_id}: {current.supervisor} is on it")
                try:
                    await current.change(mode)
                except AriError as exc:
                    current.ended.set()
                    raise SupervisionUnavailable(str(exc)) from exc
                except (SupervisionError, TimeoutError):
                    current.ended.set()
                    raise
                self._publish(current)
                return current.session()
            target = self._connected.get(call_id)
            if target is None:
                raise CallNotSupervisable(f"call {call_id} is not with a desk account")
            call = SupervisedCall(
                self.rest,
                app=self.ari.app,
                call_id=call_id,
                agent=target.agent,
                agent_channel_id=target.agent_channel_id,
                supervisor=supervisor,
                endpoint=self.endpoint_of(supervisor),
                expect_stasis_start=self.expect_stasis_start,
                expect_stasis_end=self.channels.expect_end,
                ring_timeout_s=self.ring_timeout_s,
            )
            self._calls[call_id] = call
            try:
                await call.open(mode)
            except BaseException as exc:
                self._calls.pop(call_id, None)
                await asyncio.shield(call.close())
                if isinstance(exc, AriError):
                    raise SupervisionUnavailable(str(exc)) from exc
                if isinstance(exc, TimeoutError):
                    raise SupervisionUnavailable("Asterisk did not bring the snoop") from exc
                raise
            self._publish(call)
            self._watching[call_id] = self._tasks.spawn(self._watch(call), f"watch-{call_id}")
            return call.session()

    async def stop(self, call_id: str) -> SupervisionSession | None:
        call = self._calls.get(call_id)
        if call is None:
            return None
        call.ended.set()
        watcher = self._watching.get(call_id)
        if watcher is not None:
            await asyncio.wait({watcher}, timeout=STOP_GRACE_S)
        return call.session()

    async def _watch(self, call: SupervisedCall) -> None:
        await call.ended.wait()
        try:
            await call.close()
        finally:
            if self._calls.get(call.call_id) is call:
                del self._calls[call.call_id]
            self._watching.pop(call.call_id, None)
            self.bus.publish(
                SupervisionChanged(
                    call_id=call.call_id, agent=call.agent, supervisor=call.supervisor, mode="off"
                )
            )
            log.info("call %s: supervision by %s ended", call.call_id, call.supervisor)

    def _publish(self, call: SupervisedCall) -> None:
        self.bus.publish(
            SupervisionChanged(
                call_id=call.call_id, agent=call.agent, supervisor=call.supervisor, mode=call.mode
            )
        )

    # --- the ARI application ---
    def expect_stasis_start(self, channel_id: str) -> asyncio.Future[None]:
        """Done when the channel enters the application; SupervisorUnreachable when
        it is destroyed first (an originate nobody answered)."""
        return self.channels.expect_start(channel_id)

    async def on_event(self, event: AriEvent) -> None:
        channel_id = event.channel_id
        if channel_id is None:
            return
        if isinstance(event, StasisStart):
            self.channels.entered(channel_id)
        elif isinstance(event, StasisEnd | ChannelDestroyed):
            self.channels.left(channel_id)
            entered = self.channels.stop_expecting_start(channel_id)
            if entered is not None and not entered.done():
                why = event.cause_txt if isinstance(event, ChannelDestroyed) else "left"
                entered.set_exception(SupervisorUnreachable(f"{channel_id}: {why}"))
            for call in self._calls.values():
                if channel_id in call.channel_ids:
                    call.ended.set()  # the supervisor hung up, or the agent's channel went

    async def on_connected(self) -> None:
        """Remove what no session owns (a dead controller's leftovers)."""
        self._up = True
        owned = {c for call in self._calls.values() for c in call.channel_ids}
        await self.channels.remove_orphans(
            self.rest,
            self.ari.app,
            owned=owned,
            bridge_prefix=SUPERVISION_PREFIX,
            owned_bridges=lambda: {call.bridge_id for call in self._calls.values()},
            name="supervision",
            log=log,
        )

    # --- the queue events ---
    async def follow(self, subscribed: asyncio.Event | None = None) -> None:
        async with self.bus.subscribe(types=(AgentConnected, AgentCompleted)) as events:
            if subscribed is not None:
                subscribed.set()
            async for event in events:
                if isinstance(event, AgentConnected):
                    if event.unique_id and event.agent_unique_id:
                        self._connected[event.unique_id] = _Connected(
                            event.agent_unique_id, agent_of_member(event.member)
                        )
                elif isinstance(event, AgentCompleted):
                    self._connected.pop(event.unique_id, None)
                    lock = self._locks.get(event.unique_id)
                    if lock is not None and not lock.locked():
                        del self._locks[event.unique_id]
                    call = self._calls.get(event.unique_id)
                    if call is not None:
                        call.ended.set()

    # --- running ---
    async def run(self, subscribed: asyncio.Event | None = None) -> None:
        """Until cancelled: the application's events and the queue events."""

        async def wind_up(follower: asyncio.Task[None]) -> None:
            self._up = False
            # read once the follower is stopped: a generator, not a list
            ended = (call.ended for call in self._calls.values())
            await wind_up_calls(follower, ended, self._watching.values(), self._tasks, STOP_GRACE_S)

        try:
            await serve_application(
                self.ari,
                self.on_event,
                self.on_connected,
                follow=lambda: self._tasks.spawn(self.follow(subscribed), "follow"),
                wind_up=wind_up,
            )
        finally:
            await self.rest.aclose()
