"""The call side, wired from the settings (used by ``guichet up`` and
``guichet controller run``): the ARI controller with one step per call state, the
AMI queue monitor it asks whether agents are free, the SMS outbox, and the case
tracker that records which agent took a queued call."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence

from guichet.bus import EventBus
from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.handling import CaseAgents, track_desk_cases
from guichet.casefile.outbox import SmsOutbox
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer
from guichet.runner import run_together
from guichet.settings import Settings
from guichet.store import Store
from ivr_flows.calendar import opening_slots
from ivr_flows.closures import TimedClosure, current_closures
from ivr_flows.decision import Mode
from ivr_flows.loader import load_flow_for
from ivr_flows.mode import read_mode
from pbx.ami import AmiConfig
from pbx.ari.application import AriConnection
from pbx.ari.rest import AriRest
from pbx.assist import AssistService, suggest_with
from pbx.callbacks import CallbackStep
from pbx.calls import (
    AnswerStep,
    CallController,
    CallRepository,
    CallState,
    CallStep,
    CallTimeouts,
    HangUpStep,
    RouteStep,
    run_controller,
)
from pbx.credentials import credentials
from pbx.errors import QueueNotFound
from pbx.queues import (
    HandOver,
    QueueEventRepository,
    QueueMonitor,
    QueueStep,
    serve_queue_monitor,
    track_queued_cases,
)
from pbx.supervision import PbxSupervision
from pbx.voicebot_call import VoicebotStep
from pbx.webcall import PbxWebCalls
from voicebot import (
    Frame,
    Knowledge,
    Lang,
    SimpleAnswer,
    Voice,
    VoicebotConfig,
    VoicebotPipeline,
    open_knowledge,
    shared_engines,
)

__all__ = ["load_knowledge", "serve_controller"]

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


async def serve_controller(
    settings: Settings,
    store: Store,
    bus: EventBus,
    ready: asyncio.Event | None = None,
    *,
    knowledge: Knowledge | None = None,
    supervision: PbxSupervision | None = None,
    webcalls: PbxWebCalls | None = None,
) -> None:
    """Run the call side until cancelled; ``ready`` once the controller is connected
    with its engines loaded and the queue state is known. ``knowledge``: the one the
    shell opened (shared with the web app), else opened here. ``supervision``: the
    listen/whisper/barge side the shell handed to the web app, else made here.
    ``webcalls``: the web app's call button, bound here to the queues (its calls
    join them as callers)."""
    creds = credentials(settings)
    flow = load_flow_for(settings)
    # speech models and the index load once, off the event loop
    engines = await asyncio.to_thread(shared_engines, settings)
    if knowledge is None:
        knowledge = await asyncio.to_thread(load_knowledge, settings)
    voicebot_config = VoicebotConfig.from_settings(settings)
    # the flow's privacy notice is said with the voicebot's greeting (fr/en)
    voicebot_config = dataclasses.replace(
        voicebot_config,
        dialog=dataclasses.replace(voicebot_config.dialog, notice=flow.privacy_notices),
    )
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

    async def current_closures_at(now: dt.datetime) -> Sequence[TimedClosure]:
        return await asyncio.to_thread(current_closures, store, now)

    def make_pipeline(
        *,
        sample_rate: int,
        lang: Lang | None,
        humans_available: bool,
        on_event: Callable[[Frame], None],
    ) -> VoicebotPipeline:
        return VoicebotPipeline.voicebot(
            engines,
            knowledge,
            voicebot_config,
            sample_rate=sample_rate,
            lang=lang,
            greet=True,
            humans_available=humans_available,
            confirm_callback=True,
            on_event=on_event,
        )

    summarizer = Summarizer.from_settings(settings)
    callbacks = CallbackBook.from_settings(
        store,
        settings,
        open_slots=opening_slots(flow),
        # an SMS names the topic's service as the city calls it, in the caller's language
        service_labels={slug: service.label for slug, service in flow.services.items()},
        on_sms_queued=outbox.wake,
    )
    hand_over = HandOver(flow, settings.queues, agents_available)
    steps: dict[CallState, CallStep] = {
        CallState.NEW: AnswerStep(cases, flow.languages.default),
        CallState.ANSWERED: RouteStep(
            flow, current_mode, agents_available, read_closures=current_closures_at
        ),
        CallState.VOICEBOT: VoicebotStep(make_pipeline, cases, bus, hand_over),
        CallState.CALLBACK: CallbackStep(
            callbacks,
            cases,
            summarizer,
            # the voicebot's voice, with its time-out: a hung engine is a lost voice
            Voice(engines.tts, engines.tts_pool, config=voicebot_config.tts),
        ),
        CallState.TRANSFERRING: QueueStep(cases, summarizer),
        CallState.HANGING_UP: HangUpStep(),
    }
    rest = AriRest(settings.ari_base_url, creds.ari_user, creds.ari_password)
    controller = CallController(
        ari=AriConnection.from_settings(
            settings, app=settings.ari_app, user=creds.ari_user, password=creds.ari_password
        ),
        rest=rest,
        calls=CallRepository(store),
        cases=cases,
        bus=bus,
        steps=steps,
        timeouts=CallTimeouts.from_settings(settings),
    )
    if webcalls is not None:
        webcalls.bind(
            rest=rest,
            app=settings.ari_app,
            ari_base_url=settings.ari_base_url,
            calls=controller.calls,
            hand_over=hand_over,
        )
    # live assist: agent calls heard in the same Whisper workers, after the voicebot's turns
    assist = AssistService(
        ari=AriConnection.from_settings(
            settings,
            app=f"{settings.ari_app}-assist",
            user=creds.ari_user,
            password=creds.ari_password,
        ),
        rest=rest,
        bus=bus,
        cases=cases,
        engines=engines,
        config=voicebot_config,
        suggest=suggest_with(knowledge),
        kb_pool=engines.kb_pool,
        reception_queue=flow.when_open.queue,
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
            run_controller(controller, ready=controller_ready),
            track_queued_cases(bus, cases, flow.when_open.queue),
            # the desk: who was rung for which call (case_agents), the case pop on ring
            track_desk_cases(bus, CaseAgents(store, flow.when_open.queue), cases),
            assist.run(),
            # listen, whisper, barge: the supervisor's phone bridged with a snoop
            (supervision or PbxSupervision.from_settings(settings, bus)).run(),
            announce(),
        )
    finally:
        await outbox.aclose(grace_s=5.0)
        await rest.aclose()
