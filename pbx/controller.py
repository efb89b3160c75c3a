"""The call controller: takes every call that enters ``Stasis(guichet)``.

For now each call is answered, hears the greeting and is hung up. Every step is
a saved state transition (:mod:`pbx.call_state`), so a controller that was
killed mid-call takes its calls back on restart instead of dropping them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass

from guichet.bus import BusEvent, EventBus
from guichet.tasks import TaskOwner
from pbx.ari.events import (
    AriEvent,
    PlaybackFinished,
    StasisEnd,
    StasisStart,
)
from pbx.ari.rest import AriRest
from pbx.ari.socket import AriEventSocket
from pbx.call_state import CallState
from pbx.call_store import CallRecord, CallRepository
from pbx.errors import AriError, AriNotFound, CallNotFound

log = logging.getLogger(__name__)

HANGUP_CONFIRM_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ControllerConfig:
    app: str
    greeting: str  # Asterisk sound name(s), comma separated


class CallEnded(Exception):
    """The caller's channel left Stasis (hung up) while the controller waited."""


class CallSession:
    """One call's conversation with Asterisk, driven from its saved state."""

    def __init__(
        self,
        record: CallRecord,
        rest: AriRest,
        calls: CallRepository,
        bus: EventBus,
        config: ControllerConfig,
    ) -> None:
        self.record = record
        self.rest = rest
        self.calls = calls
        self.bus = bus
        self.config = config
        self.events: asyncio.Queue[AriEvent] = asyncio.Queue()

    @property
    def call_id(self) -> str:
        return self.record.id

    async def _go(self, state: CallState, reason: str | None = None, **data: object) -> None:
        previous = self.record.state
        self.record = await self.calls.transition(self.call_id, state, dict(data), reason)
        if previous != state:
            log.info("call %s: %s -> %s", self.call_id, previous, state)

    async def _next_event(self, within_s: float | None = None) -> AriEvent:
        event = await asyncio.wait_for(self.events.get(), within_s)
        if isinstance(event, StasisEnd):
            raise CallEnded
        return event

    async def run(self) -> None:
        reason = "completed"
        try:
            await self._drive()
        except CallEnded:
            reason = "caller_hangup" if self.record.state != CallState.HANGING_UP else "completed"
        except CallNotFound:
            reason = "channel_gone"
        except AriError as exc:
            log.warning("call %s: ARI error %s; hanging up", self.call_id, exc)
            reason = "error"
            await self._hangup_quietly()
        if self.record.state != CallState.ENDED:
            await self._go(CallState.ENDED, reason=reason)
        self.bus.publish(BusEvent("call.ended", {"call_id": self.call_id, "reason": reason}))
        log.info("call %s ended (%s)", self.call_id, reason)

    async def _drive(self) -> None:
        if self.record.state == CallState.NEW:
            await self.rest.answer(self.call_id)
            await self._go(CallState.ANSWERED)
            self.bus.publish(BusEvent("call.answered", {"call_id": self.call_id}))
        if self.record.state == CallState.ANSWERED:
            playback_id = f"greeting-{uuid.uuid4()}"
            await self._go(CallState.GREETING, playback_id=playback_id, started=False)
            await self._play_greeting(playback_id)
        if self.record.state == CallState.GREETING:
            await self._wait_greeting_done()
            await self._go(CallState.HANGING_UP)
        if self.record.state == CallState.HANGING_UP:
            await self._hangup_and_confirm()

    async def _play_greeting(self, playback_id: str) -> None:
        media = [f"sound:{name.strip()}" for name in self.config.greeting.split(",")]
        await self.rest.play(self.call_id, media, playback_id, lang=self.record.language)
        await self._go(CallState.GREETING, playback_id=playback_id, started=True)

    async def _wait_greeting_done(self) -> None:
        playback_id = str(self.record.state_data.get("playback_id", ""))
        if not self.record.state_data.get("started"):
            # the controller stopped between saving the state and starting playback
            await self._play_greeting(playback_id)
        else:
            try:
                await self.rest.get_playback(playback_id)
            except AriNotFound:
                return  # it finished while the controller was away
        while True:
            event = await self._next_event()
            if isinstance(event, PlaybackFinished) and event.playback.id == playback_id:
                return

    async def _hangup_and_confirm(self) -> None:
        try:
            await self.rest.hangup(self.call_id)
        except CallNotFound:
            return
        # the hang-up completes a little later; StasisEnd confirms it
        try:
            while True:
                await self._next_event(HANGUP_CONFIRM_TIMEOUT_S)
        except CallEnded:
            return
        except TimeoutError:
            log.warning("call %s: no StasisEnd after hang-up", self.call_id)

    async def _hangup_quietly(self) -> None:
        with contextlib.suppress(AriError):
            await self.rest.hangup(self.call_id)


class CallController:
    def __init__(
        self,
        rest: AriRest,
        calls: CallRepository,
        bus: EventBus,
        config: ControllerConfig,
    ) -> None:
        self.rest = rest
        self.calls = calls
        self.bus = bus
        self.config = config
        self.sessions: dict[str, CallSession] = {}
        self._tasks = TaskOwner("calls")
        self._resync_lock = asyncio.Lock()

    async def on_event(self, event: AriEvent) -> None:
        channel_id = event.channel_id
        if channel_id is None:
            return
        session = self.sessions.get(channel_id)
        if session is not None:
            session.events.put_nowait(event)
            return
        if isinstance(event, StasisStart):
            # serialised with resync, which may be taking the same channel back
            async with self._resync_lock:
                if channel_id not in self.sessions:
                    await self._new_call(event)

    async def _new_call(self, event: StasisStart) -> None:
        channel = event.channel
        record = await self.calls.create(
            channel.id, channel.caller.number, channel.dialplan_exten, channel.language
        )
        self.bus.publish(BusEvent("call.started", {"call_id": channel.id}))
        log.info("call %s started", channel.id)
        self._start_session(record)

    def _start_session(self, record: CallRecord) -> None:
        session = CallSession(record, self.rest, self.calls, self.bus, self.config)
        self.sessions[record.id] = session

        async def run_and_forget() -> None:
            try:
                await session.run()
            finally:
                self.sessions.pop(record.id, None)

        self._tasks.spawn(run_and_forget(), record.id)

    async def on_connected(self) -> None:
        """After every (re)connect: take back the calls still in the application."""
        async with self._resync_lock:
            try:
                channel_ids = await self.rest.application_channel_ids(self.config.app)
            except AriError as exc:
                log.warning("resync failed: %s", exc)
                return
            live = set(channel_ids)
            for channel_id in channel_ids:
                if channel_id in self.sessions:
                    continue
                record = await self.calls.get(channel_id)
                if record is None or record.state == CallState.ENDED:
                    try:
                        channel = await self.rest.get_channel(channel_id)
                    except CallNotFound:
                        continue
                    record = await self.calls.create(
                        channel.id,
                        channel.caller.number,
                        channel.dialplan_exten,
                        channel.language,
                    )
                if channel_id in self.sessions:
                    continue
                await self.calls.add_event(channel_id, "call.resumed", {"state": record.state})
                self.bus.publish(BusEvent("call.resumed", {"call_id": channel_id}))
                log.info("call %s taken back in state %s", channel_id, record.state)
                self._start_session(record)
            for record in await self.calls.open_calls():
                if record.id not in live and record.id not in self.sessions:
                    await self.calls.transition(
                        record.id, CallState.ENDED, reason="lost_while_controller_down"
                    )

    async def aclose(self) -> None:
        await self._tasks.aclose()


async def run_controller(
    base_url: str,
    user: str,
    password: str,
    calls: CallRepository,
    bus: EventBus,
    config: ControllerConfig,
    *,
    ready: asyncio.Event | None = None,
    initial_backoff_s: float = 0.5,
    max_backoff_s: float = 10.0,
) -> None:
    """Run the controller until cancelled."""
    rest = AriRest(base_url, user, password)
    controller = CallController(rest, calls, bus, config)

    async def connected() -> None:
        await controller.on_connected()
        if ready is not None:
            ready.set()

    socket = AriEventSocket(
        base_url,
        config.app,
        user,
        password,
        controller.on_event,
        connected,
        initial_backoff_s=initial_backoff_s,
        max_backoff_s=max_backoff_s,
    )
    try:
        await socket.run()
    finally:
        await controller.aclose()
        await rest.aclose()
