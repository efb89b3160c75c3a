"""The call side, wired from the settings (used by ``guichet up`` and
``guichet controller run``): the ARI controller, the AMI queue monitor it asks
whether agents are free, the SMS outbox, and the case tracker that records which
agent took a queued call."""

from __future__ import annotations

import asyncio
import logging

from guichet.bus import EventBus
from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.outbox import SmsOutbox
from guichet.casefile.records import Outcome
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer
from guichet.runner import run_together
from guichet.settings import Settings
from guichet.store import Store
from ivr_flows.calendar import opening_slots
from ivr_flows.decision import Mode
from ivr_flows.loader import load_flow_for
from ivr_flows.mode import read_mode
from pbx.ami_socket import AmiConfig
from pbx.ari.rest import AriRest
from pbx.call_store import CallRepository
from pbx.controller import CallServices, run_controller
from pbx.credentials import credentials
from pbx.errors import QueueNotFound
from pbx.queue_store import QueueEventRepository
from pbx.queues import QueueMonitor, serve_queue_monitor
from voicebot.knowledge_port import Knowledge, SimpleAnswer, open_knowledge
from voicebot.runtime import shared_engines

log = logging.getLogger(__name__)

QUEUES_SYNC_WAIT_S = 15.0


class NoKnowledge:
    """No index yet: every question is handed to a person (never an invented answer)."""

    def answer(self, question: str, lang: str) -> SimpleAnswer:
        return SimpleAnswer(abstained=True)


def load_knowledge(settings: Settings) -> Knowledge:
    index = settings.kb_index_path
    if not index.exists():
        log.warning(
            "no knowledge index at %s (guichet kb ingest DIR): the voicebot will hand "
            "every question to a person",
            index,
        )
        return NoKnowledge()
    return open_knowledge(index, settings)


async def track_queued_cases(bus: EventBus, cases: CaseRepository, reception_queue: str) -> None:
    """Follow queued calls: log who waits where, and when an agent picks up a call,
    record it on the call's case."""
    async with bus.subscribe() as events:
        while True:
            event = await events.get()
            call_id = str(event.data.get("unique_id", ""))
            if event.topic == "queue.caller_joined":
                log.info(
                    "call %s: waiting in queue %s (position %s)",
                    call_id,
                    event.data.get("queue"),
                    event.data.get("position"),
                )
            if event.topic != "queue.agent_connected":
                continue
            try:
                case = await cases.case_for_call(call_id)
                if case is None:
                    continue
                queue = str(event.data.get("queue", ""))
                who = str(event.data.get("member_name") or event.data.get("member") or "")
                speaker = "agent" if queue == reception_queue else "expert"
                await cases.add_turn(case.id, "system", f"{speaker} {who} ({queue})")
                if queue == reception_queue:
                    await cases.set_outcome(case.id, Outcome.ANSWERED_BY_RECEPTION)
                else:
                    await cases.set_outcome(case.id, Outcome.ESCALATED)
                log.info("call %s: picked up in queue %s", call_id, queue)
            except Exception:
                log.exception("case of a queued call not updated")


async def serve_controller(
    settings: Settings, store: Store, bus: EventBus, ready: asyncio.Event | None = None
) -> None:
    """Run the call side until cancelled; ``ready`` once the controller is connected
    with its engines loaded and the queue state is known."""
    creds = credentials(settings)
    flow = load_flow_for(settings)
    # speech models and the index load once, off the event loop
    engines = await asyncio.to_thread(shared_engines, settings)
    knowledge = await asyncio.to_thread(load_knowledge, settings)
    outbox = SmsOutbox.from_settings(store, settings)
    cases = CaseRepository(store)
    monitor = QueueMonitor(
        AmiConfig.from_settings(settings),
        bus,
        QueueEventRepository(store),
        initial_backoff_s=settings.reconnect_initial_s,
        max_backoff_s=settings.reconnect_max_s,
        keepalive_s=settings.ami_keepalive_s,
    )

    def agents_available(queue: str) -> bool:
        try:
            return monitor.agents_available(queue)
        except QueueNotFound:  # not configured in app_queue: nobody can be there
            return False

    async def current_mode() -> Mode:
        return await asyncio.to_thread(read_mode, store)

    rest = AriRest(settings.ari_base_url, creds.ari_user, creds.ari_password)
    services = CallServices(
        settings=settings,
        rest=rest,
        calls=CallRepository(store),
        cases=cases,
        callbacks=CallbackBook.from_settings(
            store, settings, open_slots=opening_slots(flow), on_sms_queued=outbox.wake
        ),
        summarizer=Summarizer.from_settings(settings),
        bus=bus,
        flow=flow,
        read_mode=current_mode,
        agents_available=agents_available,
        engines=engines,
        knowledge=knowledge,
    )
    queues_ready = asyncio.Event()
    controller_ready = asyncio.Event()

    async def announce() -> None:
        await controller_ready.wait()
        try:
            await asyncio.wait_for(queues_ready.wait(), QUEUES_SYNC_WAIT_S)
        except TimeoutError:
            # calls are taken anyway: with the queue state unknown, routing never
            # strands a caller in an empty queue (the voicebot answers)
            log.warning("queue state not known yet (AMI): calls go to the voicebot until it is")
        if ready is not None:
            ready.set()

    outbox.start()
    try:
        await run_together(
            serve_queue_monitor(settings, store, bus, queues_ready, monitor=monitor),
            run_controller(services, creds.ari_user, creds.ari_password, ready=controller_ready),
            track_queued_cases(bus, cases, flow.when_open.queue),
            announce(),
        )
    finally:
        await outbox.aclose(grace_s=5.0)
        await rest.aclose()
