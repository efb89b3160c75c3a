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
import contextlib
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
from guichet.tasks import TaskOwner, cancel_and_wait
from pbx.ari.events import AriEvent, ChannelDestroyed, StasisEnd, StasisStart
from pbx.ari.rest import AriRest
from pbx.ari.socket import AriEventSocket
from pbx.assist import agent_of_member
from pbx.credentials import credentials
from pbx.errors import AriError, AriNotFound
from pbx.supervision.session import SUPERVISION_PREFIX, SupervisedCall

__all__ = ["PbxSupervision", "SupervisionConnection"]

log = logging.getLogger(__name__)

ORPHAN_WAIT_S = 5.0
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class SupervisionConnection:
    base_url: str
    app: str  # supervision's own application
    user: str
    password: str
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 10.0


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
        ari: SupervisionConnection,
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
        self._entered: dict[str, asyncio.Future[None]] = {}
        self._left: dict[str, asyncio.Future[None]] = {}
        self._in_app: set[str] = set()
        self._up = False  # the application is connected
        self._tasks = TaskOwner("supervision")

    @classmethod
    def from_settings(cls, settings: Settings, bus: EventBus) -> PbxSupervision:
        creds = credentials(settings)
        return cls(
            ari=SupervisionConnection(
                settings.ari_base_url,
                f"{settings.ari_app}-supervision",
                creds.ari_user,
                creds.ari_password,
                initial_backoff_s=settings.reconnect_initial_s,
                max_backoff_s=settings.reconnect_max_s,
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
                expect_stasis_end=self.expect_stasis_end,
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
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._entered[channel_id] = future
        return future

    def expect_stasis_end(self, channel_id: str) -> asyncio.Future[None]:
        """Done when the channel has left the application (at once if it is not in)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if channel_id in self._in_app:
            self._left[channel_id] = future
        else:
            future.set_result(None)
        return future

    async def on_event(self, event: AriEvent) -> None:
        channel_id = event.channel_id
        if channel_id is None:
            return
        if isinstance(event, StasisStart):
            self._in_app.add(channel_id)
            entered = self._entered.pop(channel_id, None)
            if entered is not None and not entered.done():
                entered.set_result(None)
        elif isinstance(event, StasisEnd | ChannelDestroyed):
            self._in_app.discard(channel_id)
            left = self._left.pop(channel_id, None)
            if left is not None and not left.done():
                left.set_result(None)
            entered = self._entered.pop(channel_id, None)
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
        try:
            channels = await self.rest.application_channel_ids(self.ari.app)
        except AriError as exc:
            log.warning("supervision resync failed: %s", exc)
            return
        orphans = [c for c in channels if c not in owned]
        self._in_app |= set(channels)
        leaving = [self.expect_stasis_end(c) for c in orphans]
        for channel_id in orphans:
            with contextlib.suppress(AriError):
                await self.rest.hangup(channel_id)
        if leaving:
            await asyncio.wait(leaving, timeout=ORPHAN_WAIT_S)
            log.info("supervision: %d orphan channels removed", sum(f.done() for f in leaving))
        for channel_id in orphans:
            self._left.pop(channel_id, None)
        owned_bridges = {call.bridge_id for call in self._calls.values()}
        try:
            bridges = await self.rest._request(
                "GET", "/bridges", not_found=AriNotFound("bridges", "")
            )
        except AriError as exc:
            log.warning("supervision bridges not listed: %s", exc)
            return
        for bridge in bridges or []:
            bridge_id = str(bridge.get("id", ""))
            if bridge_id.startswith(SUPERVISION_PREFIX) and bridge_id not in owned_bridges:
                log.info("supervision: orphan bridge %s destroyed", bridge_id)
                with contextlib.suppress(AriError):
                    await self.rest.destroy_bridge(bridge_id)

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
        ari = self.ari
        socket = AriEventSocket(
            ari.base_url,
            ari.app,
            ari.user,
            ari.password,
            self.on_event,
            self.on_connected,
            initial_backoff_s=ari.initial_backoff_s,
            max_backoff_s=ari.max_backoff_s,
        )
        receiver = asyncio.ensure_future(socket.run())
        follower = self._tasks.spawn(self.follow(subscribed), "follow")
        try:
            await asyncio.wait({receiver, follower}, return_when="FIRST_COMPLETED")
            for task in (receiver, follower):
                if task.done():
                    task.result()
        finally:
            self._up = False
            await cancel_and_wait(follower)
            # the sessions wind up while the application's events still come
            for call in self._calls.values():
                call.ended.set()
            if self._watching:
                await asyncio.wait(set(self._watching.values()), timeout=STOP_GRACE_S)
            await self._tasks.aclose()
            await cancel_and_wait(receiver)
            await self.rest.aclose()
