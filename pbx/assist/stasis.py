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
import logging
from concurrent.futures import Executor

from guichet.bus import EventBus
from guichet.casefile.repository import CaseRepository
from guichet.events import AgentCompleted, AgentConnected
from guichet.tasks import TaskOwner
from knowledge import CardHits, KnowledgeBase, Suggest, suggest_cards
from pbx.ari.application import AppChannels, AriConnection, serve_application, wind_up_calls
from pbx.ari.events import AriEvent, StasisEnd, StasisStart
from pbx.ari.rest import AriRest
from pbx.assist.events import AssistRecorder
from pbx.assist.flow import AssistCall, AssistTarget
from pbx.assist.leg import ASSIST_PREFIX
from voicebot import ListeningEngines, VoicebotConfig

__all__ = ["AssistService", "agent_of_member", "suggest_with"]

log = logging.getLogger(__name__)

STOP_GRACE_S = 10.0  # on stop: the calls' channels hung up and gone, at most this


def agent_of_member(member: str) -> str:
    """The desk account of a queue member interface (``PJSIP/<username>``)."""
    return member.split("/", 1)[1] if "/" in member else member


class AssistService:
    def __init__(
        self,
        *,
        ari: AriConnection,  # live assist's own application
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
        self.channels = AppChannels()
        self._running: dict[str, asyncio.Task[None]] = {}  # each assisted call's task
        self._tasks = TaskOwner("assist")

    # --- the ARI application ---
    async def on_event(self, event: AriEvent) -> None:
        channel_id = event.channel_id
        if channel_id is None:
            return
        if isinstance(event, StasisStart):
            self.channels.entered(channel_id)
        elif isinstance(event, StasisEnd):
            self.channels.left(channel_id)
            for call in self.calls.values():
                if channel_id in call.snoop_ids:
                    call.ended.set()  # the person's channel went, and its snoop with it

    async def on_connected(self) -> None:
        """Remove what no running assisted call owns (a dead controller's leftovers)."""
        owned: set[str] = set()
        for call in self.calls.values():
            for leg in call.legs:
                owned |= {leg.snoop_id, leg.link.media_channel_id}
        await self.channels.remove_orphans(
            self.rest,
            self.ari.app,
            owned=owned,
            bridge_prefix=ASSIST_PREFIX,
            owned_bridges=lambda: {
                leg.link.bridge_id for c in self.calls.values() for leg in c.legs
            },
            name="assist",
            log=log,
        )

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
            expect_stasis_start=self.channels.expect_start,
            expect_stasis_end=self.channels.expect_end,
        )
        self.calls[call_id] = call

        async def run_and_forget() -> None:
            try:
                await call.run()
            finally:
                self.calls.pop(call_id, None)
                self._running.pop(call_id, None)
                for channel_id in call.snoop_ids:
                    self.channels.stop_expecting_start(channel_id)

        self._running[call_id] = self._tasks.spawn(run_and_forget(), f"assist-{call_id}")

    # --- running ---
    async def run(self, subscribed: asyncio.Event | None = None) -> None:
        """Until cancelled: the application's events and the queue events."""

        async def wind_up(follower: asyncio.Task[None]) -> None:
            # read once the follower is stopped: a generator, not a list
            ended = (call.ended for call in self.calls.values())
            await wind_up_calls(follower, ended, self._running.values(), self._tasks, STOP_GRACE_S)

        await serve_application(
            self.ari,
            self.on_event,
            self.on_connected,
            follow=lambda: self._tasks.spawn(self.follow(subscribed), "follow"),
            wind_up=wind_up,
        )


def suggest_with(kb: object | None) -> Suggest | None:
    """The cards lookup over the knowledge base (None without an index)."""
    if not isinstance(kb, KnowledgeBase):
        return None
    base = kb

    def suggest(text: str, lang: str) -> CardHits:
        return suggest_cards(base, text, lang)

    return suggest
