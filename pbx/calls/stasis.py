"""The Stasis entry: takes every call that enters ``Stasis(guichet)`` and gives it a
:class:`CallSession`; routes each ARI event to the session of its channel (or to the
call that created that channel: its media channel).

Every step is a saved state transition (:mod:`pbx.calls.state`). A controller that
was killed mid-call takes its calls back on restart (``StasisStart`` is not sent
again: the channels still in the application are read over ARI after each connect).

One call never stops the others: a call that cannot be taken (its row cannot be
saved or read) is sent to the last resort without a session, and nothing a call
does ends the event loop that serves them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from guichet.bus import EventBus
from guichet.casefile.repository import CaseRepository
from guichet.events import CallResumed, CallStarted
from guichet.logs import mask_number
from guichet.tasks import TaskOwner
from pbx.ari.application import AriConnection
from pbx.ari.events import AriEvent, StasisEnd, StasisStart
from pbx.ari.rest import AriRest
from pbx.calls.errors import describe_failure
from pbx.calls.session import (
    CallSession,
    CallStep,
    CallTimeouts,
    send_to_last_resort,
    within,
)
from pbx.calls.state import CallState
from pbx.calls.steady_link import SteadyLink
from pbx.calls.store import CallRecord, CallRepository
from pbx.errors import AriError, CallNotFound
from pbx.media import MEDIA_CHANNEL_PREFIX
from pbx.media.link import MediaLink

__all__ = ["AriConnection", "CallController", "run_controller"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class CallController:
    def __init__(
        self,
        *,
        ari: AriConnection,
        rest: AriRest,
        calls: CallRepository,
        cases: CaseRepository,
        bus: EventBus,
        steps: Mapping[CallState, CallStep],
        timeouts: CallTimeouts | None = None,
    ) -> None:
        self.ari = ari
        self.rest = rest
        self.calls = calls
        self.cases = cases
        self.bus = bus
        self.steps = steps
        self.timeouts = timeouts or CallTimeouts()
        self.sessions: dict[str, CallSession] = {}
        # channels a call created for itself (its media channel), routed to that call
        self._claims: dict[str, tuple[str, asyncio.Future[None]]] = {}
        self._tasks = TaskOwner("calls")
        self._running: dict[str, asyncio.Task[None]] = {}  # each session's task
        self._resync_lock = asyncio.Lock()

    # --- media links: their channel enters Stasis on its own, for its call ---
    def _link(
        self, call_id: str, link_id: str, on_audio: Callable[[bytes], None]
    ) -> tuple[MediaLink, asyncio.Future[None]]:
        link = SteadyLink(
            self.rest,
            app=self.ari.app,
            ari_base_url=self.ari.base_url,
            call_id=call_id,
            link_id=link_id,
            on_audio=on_audio,
            ari_timeout_s=self.timeouts.ari_s,
        )
        entered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._claims[link.media_channel_id] = (call_id, entered)
        return link, entered

    # --- ARI events ---
    async def on_event(self, event: AriEvent) -> None:
        channel_id = event.channel_id
        if channel_id is None:
            return
        claimed = self._claims.get(channel_id)
        if claimed is not None:
            _, entered = claimed
            if isinstance(event, StasisStart) and not entered.done():
                entered.set_result(None)
            elif isinstance(event, StasisEnd):
                self._claims.pop(channel_id, None)
            return
        session = self.sessions.get(channel_id)
        if session is not None:
            session.deliver(event)
            return
        if isinstance(event, StasisStart) and not channel_id.startswith(MEDIA_CHANNEL_PREFIX):
            # serialised with resync, which may be taking the same channel back
            async with self._resync_lock:
                if channel_id not in self.sessions:
                    try:
                        await self._new_call(event)
                    except Exception as exc:  # this call only: the others go on
                        await self._cannot_take(channel_id, exc)

    async def _cannot_take(self, channel_id: str, error: Exception) -> None:
        """A call with no session (its row could not be saved or read): the caller
        still hears the apology and is routed by the dialplan."""
        log.warning(
            "call %s: cannot be taken (%s); last resort", channel_id, describe_failure(error)
        )
        await send_to_last_resort(self.rest, channel_id, self.timeouts.ari_s)

    async def _stored(self, work: Awaitable[T]) -> T:
        """A store call of the Stasis entry, within the calls' store time-out (every
        event waits behind it)."""
        return await within(work, self.timeouts.store_s)

    async def _new_call(self, event: StasisStart) -> None:
        channel = event.channel
        existing = await self._stored(self.calls.get(channel.id))
        if existing is not None and existing.state == CallState.ENDED:
            # back from a queue (the caller chose the voicebot, or the queue gave up)
            came_back = str(event.args[0]) if event.args else "queue"
            record = await self._stored(self.calls.reenter(channel.id, existing.facts, came_back))
            log.info("call %s came back from the queue (%s)", channel.id, came_back)
        elif existing is not None:
            record = existing
        else:
            record = await self._stored(
                self.calls.create(
                    channel.id, channel.caller.number, channel.dialplan_exten, channel.language
                )
            )
            log.info("call %s started", channel.id)
        self.bus.publish(
            CallStarted(
                call_id=channel.id,
                case_id=record.facts.case_id,
                caller=mask_number(channel.caller.number),
                line=channel.dialplan_exten,
            )
        )
        self._start_session(record, resumed=False)

    def _start_session(self, record: CallRecord, *, resumed: bool) -> None:
        session = CallSession(
            record,
            calls=self.calls,
            cases=self.cases,
            rest=self.rest,
            bus=self.bus,
            steps=self.steps,
            links=self._link,
            resumed=resumed,
            timeouts=self.timeouts,
        )
        self.sessions[record.id] = session

        async def run_and_forget() -> None:
            try:
                await session.run()
            finally:
                self.sessions.pop(record.id, None)
                self._running.pop(record.id, None)
                for channel_id, (owner, _) in list(self._claims.items()):
                    if owner == record.id:
                        self._claims.pop(channel_id, None)

        self._running[record.id] = self._tasks.spawn(run_and_forget(), record.id)

    async def on_connected(self) -> None:
        """After every (re)connect: take back the calls still in the application."""
        async with self._resync_lock:
            try:
                channel_ids = await self.rest.application_channel_ids(self.ari.app)
            except AriError as exc:
                log.warning("resync failed: %s", exc)
                return
            live = set(channel_ids)
            for channel_id in channel_ids:
                if channel_id in self.sessions or channel_id in self._claims:
                    continue
                if channel_id.startswith(MEDIA_CHANNEL_PREFIX):
                    # a media channel of a controller that died: its call opens a new one
                    with contextlib.suppress(AriError):
                        await self.rest.hangup(channel_id)
                    continue
                try:
                    await self._take_back(channel_id)
                except Exception as exc:  # this call only: the others are taken back
                    await self._cannot_take(channel_id, exc)
            try:
                await self._end_lost_calls(live)
            except Exception as exc:  # tried again on the next connect
                log.warning("resync: open calls not checked (%s)", describe_failure(exc))

    async def _take_back(self, channel_id: str) -> None:
        record = await self._taken_back(channel_id)
        if record is None or channel_id in self.sessions:
            return
        await self._stored(
            self.calls.add_event(channel_id, "call.resumed", {"state": record.state})
        )
        self.bus.publish(
            CallResumed(call_id=channel_id, case_id=record.facts.case_id, state=record.state)
        )
        log.info("call %s taken back in state %s", channel_id, record.state)
        self._start_session(record, resumed=True)

    async def _end_lost_calls(self, live: set[str]) -> None:
        """Calls the store has open whose channel is gone (while nobody watched)."""
        for record in await self._stored(self.calls.open_calls()):
            if record.id not in live and record.id not in self.sessions:
                await self._stored(
                    self.calls.end(record.id, record.facts, "lost_while_controller_down")
                )

    async def _taken_back(self, channel_id: str) -> CallRecord | None:
        """The saved call of a channel found in the application after a restart."""
        record = await self._stored(self.calls.get(channel_id))
        if record is not None and record.state != CallState.ENDED:
            return record
        try:
            channel = await self.rest.get_channel(channel_id)
        except CallNotFound:
            return None
        if record is None:
            return await self._stored(
                self.calls.create(
                    channel.id, channel.caller.number, channel.dialplan_exten, channel.language
                )
            )
        return await self._stored(self.calls.reenter(channel_id, record.facts, "resync"))

    async def aclose(self) -> None:
        """Stop serving: every call in progress winds up (its caller to the dialplan,
        its row ended), all at once rather than one after the other, and each is
        awaited whatever ended it, even while this stop is itself a cancellation."""
        running = list(self._running.values())
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
        await self._tasks.aclose()


async def run_controller(controller: CallController, *, ready: asyncio.Event | None = None) -> None:
    """Run the controller until cancelled: the ARI event socket, reconnecting."""

    async def connected() -> None:
        await controller.on_connected()
        if ready is not None:
            ready.set()

    socket = controller.ari.socket(controller.on_event, connected)
    try:
        await socket.run()
    finally:
        await controller.aclose()
