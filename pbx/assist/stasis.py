"""Live assist's Stasis entry: its own ARI application (``<ari_app>-assist``) for the
snoop and externalMedia channels it makes, so that the call controller never sees
them; and the follower of the queue events that starts and ends each assisted call.

When app_queue connects a caller with a desk account (``AgentConnected``), both legs
are snooped and transcribed until either channel ends or the queue reports the call
completed. After every ARI (re)connect, every channel of the application that no
running assisted call owns is hung up, and the bridges named for live assist that
none owns are destroyed: a controller that died leaves no orphan snoop behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Executor
from dataclasses import dataclass

from guichet.bus import EventBus
from guichet.casefile.repository import CaseRepository
from guichet.events import AgentCompleted, AgentConnected
from guichet.tasks import TaskOwner, cancel_and_wait
from knowledge import CardHits, KnowledgeBase, suggest_cards
from pbx.ari.events import AriEvent, StasisEnd, StasisStart
from pbx.ari.rest import AriRest
from pbx.ari.socket import AriEventSocket
from pbx.assist.events import AssistRecorder, Suggest
from pbx.assist.flow import AssistCall, AssistTarget
from pbx.assist.leg import ASSIST_PREFIX
from pbx.errors import AriError, AriNotFound
from voicebot import ListeningEngines, VoicebotConfig

__all__ = ["AssistConnection", "AssistService", "agent_of_member", "suggest_with"]

log = logging.getLogger(__name__)

ORPHAN_WAIT_S = 5.0
STOP_GRACE_S = 10.0  # on stop: the calls' channels hung up and gone, at most this


@dataclass(frozen=True)
class AssistConnection:
    base_url: str
    app: str  # live assist's own application
    user: str
    password: str
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 10.0


def agent_of_member(member: str) -> str:
    """The desk account of a queue member interface (``PJSIP/<username>``)."""
    return member.split("/", 1)[1] if "/" in member else member


class AssistService:
    def __init__(
        self,
        *,
        ari: AssistConnection,
        rest: AriRest,
        bus: EventBus,
        cases: CaseRepository,
        engines: ListeningEngines,
        config: VoicebotConfig,
        suggest: Suggest | None,
        kb_pool: Executor,
        reception_queue: str,
    ) -> None:
        self.ari = ari
        self.rest = rest
        self.bus = bus
        self.cases = cases
        self.engines = engines
        self.config = config
        self.suggest = suggest
        self.kb_pool = kb_pool
        self.reception_queue = reception_queue
        self.calls: dict[str, AssistCall] = {}  # by the caller's channel id
        self._entered: dict[str, asyncio.Future[None]] = {}
        self._left: dict[str, asyncio.Future[None]] = {}  # channels being hung up
        self._in_app: set[str] = set()  # the application's channels now
        self._running: dict[str, asyncio.Task[None]] = {}  # each assisted call's task
        self._tasks = TaskOwner("assist")

    # --- the ARI application ---
    def expect_stasis_end(self, channel_id: str) -> asyncio.Future[None]:
        """Done when the channel has left the application (at once if it is not in)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if channel_id in self._in_app:
            self._left[channel_id] = future
        else:
            future.set_result(None)
        return future

    def expect_stasis_start(self, channel_id: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._entered[channel_id] = future
        return future

    async def on_event(self, event: AriEvent) -> None:
        channel_id = event.channel_id
        if channel_id is None:
            return
        if isinstance(event, StasisStart):
            self._in_app.add(channel_id)
            future = self._entered.pop(channel_id, None)
            if future is not None and not future.done():
                future.set_result(None)
        elif isinstance(event, StasisEnd):
            self._in_app.discard(channel_id)
            left = self._left.pop(channel_id, None)
            if left is not None and not left.done():
                left.set_result(None)
            for call in self.calls.values():
                if channel_id in call.snoop_ids:
                    call.ended.set()  # the person's channel went, and its snoop with it

    async def on_connected(self) -> None:
        """Remove what no running assisted call owns (a dead controller's leftovers)."""
        owned: set[str] = set()
        for call in self.calls.values():
            for leg in call.legs:
                owned |= {leg.snoop_id, leg.link.media_channel_id}
        try:
            channels = await self.rest.application_channel_ids(self.ari.app)
        except AriError as exc:
            log.warning("assist resync failed: %s", exc)
            return
        orphans = [c for c in channels if c not in owned]
        self._in_app |= set(channels)
        leaving = [self.expect_stasis_end(c) for c in orphans]
        for channel_id in orphans:
            with contextlib.suppress(AriError):
                await self.rest.hangup(channel_id)
        if leaving:
            # a REST hang-up completes later: the channels are gone at their StasisEnd
            await asyncio.wait(leaving, timeout=ORPHAN_WAIT_S)
            log.info("assist: %d orphan channels removed", sum(f.done() for f in leaving))
        for channel_id in orphans:
            self._left.pop(channel_id, None)
        owned_bridges = {leg.link.bridge_id for c in self.calls.values() for leg in c.legs}
        try:
            # AriRest has no bridge listing (pbx/ari is not live assist's to change)
            bridges = await self.rest._request(
                "GET", "/bridges", not_found=AriNotFound("bridges", "")
            )
        except AriError as exc:
            log.warning("assist bridges not listed: %s", exc)
            return
        for bridge in bridges or []:
            bridge_id = str(bridge.get("id", ""))
            if bridge_id.startswith(ASSIST_PREFIX) and bridge_id not in owned_bridges:
                log.info("assist: orphan bridge %s destroyed", bridge_id)
                with contextlib.suppress(AriError):
                    await self.rest.destroy_bridge(bridge_id)

    # --- the queue events ---
    async def follow(self, subscribed: asyncio.Event | None = None) -> None:
        async with self.bus.subscribe(types=(AgentConnected, AgentCompleted)) as events:
            if subscribed is not None:
                subscribed.set()
            async for event in events:
                if isinstance(event, AgentConnected):
                    try:
                        await self._start(event)
                    except Exception:
                        log.exception("call %s: live assist not started", event.unique_id)
                elif isinstance(event, AgentCompleted):
                    call = self.calls.get(event.unique_id)
                    if call is not None:
                        call.ended.set()

    async def _start(self, event: AgentConnected) -> None:
        call_id = event.unique_id
        if not call_id or call_id in self.calls:
            return
        case = await self.cases.case_for_call(call_id)
        if case is None:  # a call straight to the queue: it gets its case now
            case = await self.cases.open_case(call_id=call_id)
        agent = agent_of_member(event.member)
        target = AssistTarget(
            call_id=call_id,
            agent_channel_id=event.agent_unique_id,
            agent=agent,
            agent_speaker="agent" if event.queue == self.reception_queue else "expert",
            lang="en" if case.language == "en" else "fr",
        )
        recorder = AssistRecorder(
            call_id=call_id,
            case_id=case.id,
            agent=agent,
            bus=self.bus,
            cases=self.cases,
            suggest=self.suggest,
            kb_pool=self.kb_pool,
        )
        call = AssistCall(
            target,
            rest=self.rest,
            app=self.ari.app,
            ari_base_url=self.ari.base_url,
            engines=self.engines,
            config=self.config,
            recorder=recorder,
            expect_stasis_start=self.expect_stasis_start,
            expect_stasis_end=self.expect_stasis_end,
        )
        self.calls[call_id] = call

        async def run_and_forget() -> None:
            try:
                await call.run()
            finally:
                self.calls.pop(call_id, None)
                self._running.pop(call_id, None)
                for channel_id in call.snoop_ids:
                    self._entered.pop(channel_id, None)

        self._running[call_id] = self._tasks.spawn(run_and_forget(), f"assist-{call_id}")

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
                    task.result()  # a bug in either: raised here
        finally:
            # the calls wind up while the application's events still come (their
            # channels' StasisEnd), then the socket goes
            await cancel_and_wait(follower)
            for call in self.calls.values():
                call.ended.set()
            if self._running:
                await asyncio.wait(set(self._running.values()), timeout=STOP_GRACE_S)
            await self._tasks.aclose()
            await cancel_and_wait(receiver)


def suggest_with(kb: object | None) -> Suggest | None:
    """The cards lookup over the knowledge base (None without an index)."""
    if not isinstance(kb, KnowledgeBase):
        return None
    base = kb

    def suggest(text: str, lang: str) -> CardHits:
        return suggest_cards(base, text, lang)

    return suggest
