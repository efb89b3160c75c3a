"""The call controller: takes every call that enters ``Stasis(guichet)``.

A call is answered, gets a case, and is routed by the call flow: to the reception
queue (open, an agent logged in) or to the voicebot. The voicebot answers from the
knowledge base; when it cannot, or the caller asks for a person, the call goes to
the expert service's queue, the reception queue, or a callback is booked.

Every step is a saved state transition (:mod:`pbx.call_state`). A controller that
was killed mid-call takes its calls back on restart: a call that was with the
voicebot goes to a person (the queue) or to the callback flow, never to silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from guichet.bus import BusEvent, EventBus
from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.records import Outcome
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer
from guichet.settings import Settings
from guichet.tasks import TaskOwner, cancel_and_wait
from ivr_flows.decision import Mode, RoutingDecision, Target, route
from ivr_flows.model import Flow
from pbx.ari.events import AriEvent, ChannelDtmfReceived, StasisEnd, StasisStart
from pbx.ari.rest import AriRest
from pbx.ari.socket import AriEventSocket
from pbx.call_state import CallState
from pbx.call_store import CallRecord, CallRepository
from pbx.callback_flow import CallbackDialog
from pbx.errors import AriError, CallNotFound, MediaError
from pbx.media.link import MediaLink
from pbx.prompter import Prompter
from pbx.voicebot_call import VoicebotCall, VoicebotOutcome
from voicebot.knowledge_port import Knowledge
from voicebot.pipeline import EngineSet

log = logging.getLogger(__name__)
T = TypeVar("T")

HANGUP_CONFIRM_TIMEOUT_S = 5.0
QUEUE_CONTEXT = "guichet-queue"
MEDIA_PREFIX = "guichet-media-"

SORRY = {
    "fr": "Veuillez nous excuser pour cette interruption.",
    "en": "We apologise for the interruption.",
}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class CallServices:
    """Everything a call needs, built once per controller."""

    settings: Settings
    rest: AriRest
    calls: CallRepository
    cases: CaseRepository
    callbacks: CallbackBook
    summarizer: Summarizer
    bus: EventBus
    flow: Flow
    read_mode: Callable[[], Awaitable[Mode]]
    agents_available: Callable[[str], bool]
    engines: EngineSet
    knowledge: Knowledge
    clock: Callable[[], dt.datetime] = _utcnow

    @property
    def app(self) -> str:
        return self.settings.ari_app

    @property
    def service_names(self) -> set[str]:
        """What a card's ``service`` may name: the flow's services and the queues."""
        return set(self.flow.services) | set(self.settings.queues)

    def service_queue(self, service: str | None) -> str | None:
        if service is None:
            return None
        known = self.flow.services.get(service)
        if known is not None:
            return known.queue
        return service if service in self.settings.queues else None


class CallEnded(Exception):
    """The caller's channel left Stasis (hung up) while the controller waited."""


class CallSession:
    """One call's conversation with Asterisk, driven from its saved state."""

    def __init__(
        self,
        record: CallRecord,
        services: CallServices,
        claim: Callable[[str, CallSession], asyncio.Future[None]],
        *,
        resumed: bool = False,
    ) -> None:
        self.record = record
        self.s = services
        self._claim = claim
        self.resumed = resumed
        self.events: asyncio.Queue[AriEvent] = asyncio.Queue()
        self.gone = asyncio.Event()
        self._audio_sink: Callable[[bytes], None] | None = None
        self._dtmf_sink: Callable[[str], None] | None = None
        self._case_outcome: str | None = None
        self._answered = 0

    @property
    def call_id(self) -> str:
        return self.record.id

    @property
    def case_id(self) -> str:
        return str(self.record.state_data.get("case_id", ""))

    @property
    def lang(self) -> str:
        return str(self.record.state_data.get("lang") or self.record.language or "fr")

    @property
    def lang_known(self) -> bool:
        """The caller's own language is known (spoken or chosen), not just the default."""
        return bool(self.record.state_data.get("lang_known"))

    # --- events from the controller ---
    def deliver(self, event: AriEvent) -> None:
        if isinstance(event, ChannelDtmfReceived) and event.channel_id == self.call_id:
            if self._dtmf_sink is not None:
                self._dtmf_sink(event.digit)
            return
        if isinstance(event, StasisEnd) and event.channel_id == self.call_id:
            self.gone.set()
        if event.channel_id == self.call_id:
            self.events.put_nowait(event)

    def _on_media_audio(self, pcm: bytes) -> None:
        if self._audio_sink is not None:
            self._audio_sink(pcm)

    # --- state ---
    async def _go(self, state: CallState, reason: str | None = None, **data: object) -> None:
        previous = self.record.state
        kept = {"case_id": self.case_id, "lang": self.lang, "lang_known": self.lang_known}
        self.record = await self.s.calls.transition(self.call_id, state, kept | data, reason)
        if previous != state:
            log.info("call %s: %s -> %s", self.call_id, previous, state)

    async def _until_gone(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` unless the caller hangs up first (then CallEnded)."""
        task = asyncio.ensure_future(work)
        gone = asyncio.ensure_future(self.gone.wait())
        try:
            await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await cancel_and_wait(gone)
            if not task.done():
                await cancel_and_wait(task)
        if task.cancelled():
            raise CallEnded
        return task.result()

    # --- the call ---
    async def run(self) -> None:
        reason = "completed"
        try:
            await self._drive()
        except CallEnded:
            # the channel left Stasis: as asked (hang-up, queue) or the caller hung up
            reason = {
                CallState.HANGING_UP: "completed",
                CallState.TRANSFERRING: "to_queue",
            }.get(self.record.state, "caller_hangup")
        except CallNotFound:
            reason = "channel_gone"
        except (AriError, MediaError) as exc:
            log.warning("call %s: %s; hanging up", self.call_id, exc)
            reason = "error"
            await self._hangup_quietly()
        if self.record.state != CallState.ENDED:
            await self._go(CallState.ENDED, reason=reason)
        await self._close_case(reason)
        self.s.bus.publish(
            BusEvent(
                "call.ended", {"call_id": self.call_id, "case_id": self.case_id, "reason": reason}
            )
        )
        log.info("call %s ended (%s)", self.call_id, reason)

    async def _drive(self) -> None:
        if self.record.state == CallState.NEW:
            await self.s.rest.answer(self.call_id)
            case = await self.s.cases.open_case(
                call_id=self.call_id,
                caller_number=self.record.caller,
                language=self.record.language or self.s.flow.languages.default,
            )
            self.s.bus.publish(
                BusEvent("call.answered", {"call_id": self.call_id, "case_id": case.id})
            )
            await self._go(CallState.ANSWERED, case_id=case.id)
        if self.record.state == CallState.ANSWERED:
            await self._route()
        if self.record.state == CallState.VOICEBOT:
            await self._voicebot()
        if self.record.state == CallState.CALLBACK:
            await self._callback()
        if self.record.state == CallState.TRANSFERRING:
            await self._to_queue()
        if self.record.state == CallState.HANGING_UP:
            await self._hangup_and_confirm()

    async def _route(self) -> None:
        came_back = self.record.state_data.get("came_back")
        mode = await self.s.read_mode()
        now = self.s.clock()
        reception = self.s.flow.when_open.queue
        decision: RoutingDecision = route(
            self.s.flow, now, mode, self.s.agents_available(reception)
        )
        # back from the queue: the caller chose the voicebot (or the queue gave up)
        target = Target.VOICEBOT if came_back else decision.target
        self.s.bus.publish(
            BusEvent(
                "call.routed",
                {
                    "call_id": self.call_id,
                    "case_id": self.case_id,
                    "target": target.value,
                    "reason": decision.reason.value,
                    "detail": decision.detail,
                },
            )
        )
        await self.s.calls.add_event(
            self.call_id,
            "call.routed",
            {"target": target.value, "reason": decision.reason.value, "mode": mode.value},
        )
        log.info("call %s routed to %s (%s)", self.call_id, target.value, decision.reason.value)
        if target is Target.RECEPTION_QUEUE:
            await self._go(CallState.TRANSFERRING, queue=decision.queue, escalated=False)
        else:
            await self._go(
                CallState.VOICEBOT,
                link_id=_new_id(),
                desk_open=decision.desk_open,
                lang=self.record.state_data.get("lang") if came_back else decision.language,
            )

    # --- the voicebot ---
    async def _open_link(self, link_id: str) -> MediaLink:
        link = MediaLink(
            self.s.rest,
            app=self.s.app,
            ari_base_url=self.s.settings.ari_base_url,
            call_id=self.call_id,
            link_id=link_id,
            on_audio=self._on_media_audio,
        )
        try:
            await self._until_gone(link.open(lambda cid: self._claim(cid, self)))
        except BaseException:
            await link.aclose()
            raise
        return link

    async def _voicebot(self) -> None:
        data = self.record.state_data
        link_id = str(data.get("link_id"))
        if self.resumed:
            # the conversation's audio died with the previous controller: do not make
            # the caller start over with a bot, hand them to a person
            await MediaLink.discard(self.s.rest, link_id)
            await self._hand_over(str(data.get("service") or "") or None, after_incident=True)
            return
        link = await self._open_link(link_id)
        bot = VoicebotCall(
            call_id=self.call_id,
            case_id=self.case_id,
            link=link,
            engines=self.s.engines,
            knowledge=self.s.knowledge,
            settings=self.s.settings,
            cases=self.s.cases,
            bus=self.s.bus,
            humans_available=bool(data.get("desk_open")),
            services=self.s.service_names,
            # unknown yet: the greeting is in the default language, the first
            # utterance decides (or the caller presses 2 / says "English")
            lang=self.lang if self.lang_known else None,
            greet=True,
        )
        self._audio_sink = bot.push_audio
        self._dtmf_sink = bot.push_dtmf
        gone_watch = asyncio.ensure_future(self._hang_up_bot_when_gone(bot))
        try:
            outcome = await bot.run()
        finally:
            await cancel_and_wait(gone_watch)
            self._audio_sink = self._dtmf_sink = None
            await link.aclose()
        self._answered += outcome.answered
        await self._after_voicebot(outcome)

    async def _hang_up_bot_when_gone(self, bot: VoicebotCall) -> None:
        await self.gone.wait()
        bot.pipeline.hangup()

    async def _after_voicebot(self, outcome: VoicebotOutcome) -> None:
        log.info("call %s: voicebot %s", self.call_id, outcome.kind)
        if outcome.lang_known and not (self.lang_known and outcome.lang == self.lang):
            data = {**self.record.state_data, "lang": outcome.lang, "lang_known": True}
            await self._go(self.record.state, **data)
            await self.s.cases.set_language(self.case_id, outcome.lang)
        if outcome.kind == "caller_hangup" or self.gone.is_set():
            raise CallEnded
        if outcome.kind == "callback":
            await self._go(CallState.CALLBACK, service=outcome.service, link_id=_new_id())
            return
        if outcome.kind == "transfer":
            await self._hand_over(outcome.service)
            return
        if outcome.kind == "media_lost":
            await self._hand_over(None, after_incident=True)
            return
        await self._set_outcome(Outcome.ANSWERED_BY_BOT if self._answered else Outcome.ABANDONED)
        await self._go(CallState.HANGING_UP)

    async def _hand_over(self, service: str | None, *, after_incident: bool = False) -> None:
        """To the expert service's queue, else reception, else a callback."""
        expert = self.s.service_queue(service)
        reception = self.s.flow.when_open.queue
        if expert is not None and expert != reception and self.s.agents_available(expert):
            await self._go(CallState.TRANSFERRING, queue=expert, escalated=True, service=service)
        elif self.s.agents_available(reception):
            await self._go(
                CallState.TRANSFERRING, queue=reception, escalated=False, service=service
            )
        else:
            await self._go(
                CallState.CALLBACK, service=service, link_id=_new_id(), incident=after_incident
            )

    # --- queues ---
    async def _to_queue(self) -> None:
        data = self.record.state_data
        queue = str(data.get("queue"))
        escalated = bool(data.get("escalated"))
        summary = await self._write_summary()
        if escalated:
            await self._set_outcome(Outcome.ESCALATED)
        await self.s.rest.set_variable(self.call_id, "GUICHET_CASE", self.case_id)
        await self.s.rest.set_variable(self.call_id, "CHANNEL(language)", self.lang)
        topic = "call.escalated" if escalated else "call.transferred"
        self.s.bus.publish(
            BusEvent(
                topic,
                {
                    "call_id": self.call_id,
                    "case_id": self.case_id,
                    "queue": queue,
                    "service": data.get("service"),
                    "summary": summary,
                },
            )
        )
        log.info("call %s: to queue %s", self.call_id, queue)
        await self.s.rest.continue_in_dialplan(self.call_id, QUEUE_CONTEXT, queue)
        # the channel leaves Stasis: StasisEnd closes this leg of the call
        while True:
            await self._next_event()

    async def _write_summary(self) -> str | None:
        if not self.case_id:
            return None
        try:
            case_file = await self.s.cases.get_case(self.case_id)
            summary = await self.s.summarizer.summarize(case_file)
            await self.s.cases.set_summary(self.case_id, summary.text)
        except Exception:
            log.exception("call %s: no case summary", self.call_id)
            return None
        return summary.text

    # --- callbacks ---
    async def _callback(self) -> None:
        data = self.record.state_data
        link = await self._open_link(str(data.get("link_id")))
        keys: asyncio.Queue[str] = asyncio.Queue()
        self._dtmf_sink = keys.put_nowait
        prompter = Prompter(link, self.s.engines.tts, self.s.engines.tts_pool)
        dialog = CallbackDialog(
            prompter,
            keys,
            self.lang,
            self.s.callbacks.tz,
            allow_international=self.s.callbacks.allow_international,
        )
        try:
            if self.resumed or data.get("incident"):
                await self._until_gone(prompter.say(SORRY.get(self.lang, SORRY["fr"]), self.lang))
            callback_id = data.get("callback_id")
            if callback_id:
                # booked before the restart: only the confirmation is left to say
                record = await self.s.callbacks.get_callback(str(callback_id))
            else:
                number = await self._until_gone(dialog.confirm_number(self.record.caller))
                if number is None:
                    await self._until_gone(dialog.failed())
                    await self._set_outcome(Outcome.ABANDONED)
                    await self._go(CallState.HANGING_UP)
                    return
                await self._write_summary()
                service = data.get("service")
                record = await self.s.callbacks.book_callback(
                    self.case_id,
                    number,
                    service=str(service) if service else None,
                    language=self.lang,
                )
                self._case_outcome = Outcome.CALLBACK.value  # set by the booking
                await self._go(CallState.CALLBACK, **{**data, "callback_id": record.id})
                self.s.bus.publish(
                    BusEvent(
                        "call.callback_booked",
                        {
                            "call_id": self.call_id,
                            "case_id": self.case_id,
                            "callback_id": record.id,
                            "reference": record.reference,
                            "due_by": record.due_by.isoformat(),
                        },
                    )
                )
                log.info("call %s: callback %s booked", self.call_id, record.reference)
            await self._until_gone(dialog.booked(record))
        finally:
            self._dtmf_sink = None
            await link.aclose()
        await self._go(CallState.HANGING_UP)

    # --- case ---
    async def _set_outcome(self, outcome: Outcome) -> None:
        if not self.case_id:
            return
        await self.s.cases.set_outcome(self.case_id, outcome)
        self._case_outcome = outcome.value

    async def _close_case(self, reason: str) -> None:
        """A call that ends without a recorded outcome: answered or abandoned."""
        if not self.case_id or self._case_outcome is not None:
            return
        if self.record.state_data.get("queue") or self.record.state_data.get("callback_id"):
            return  # in a queue, the agent's answer sets it; a callback is booked
        with contextlib.suppress(Exception):
            await self.s.cases.set_outcome(
                self.case_id, Outcome.ANSWERED_BY_BOT if self._answered else Outcome.ABANDONED
            )

    # --- hanging up ---
    async def _next_event(self, within_s: float | None = None) -> AriEvent:
        event = await asyncio.wait_for(self.events.get(), within_s)
        if isinstance(event, StasisEnd):
            raise CallEnded
        return event

    async def _hangup_and_confirm(self) -> None:
        try:
            await self.s.rest.hangup(self.call_id)
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
            await self.s.rest.hangup(self.call_id)


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


class CallController:
    def __init__(self, services: CallServices) -> None:
        self.s = services
        self.sessions: dict[str, CallSession] = {}
        # channels a call created for itself (its media channel), routed to that call
        self._claims: dict[str, tuple[CallSession, asyncio.Future[None]]] = {}
        self._tasks = TaskOwner("calls")
        self._resync_lock = asyncio.Lock()

    def _claim(self, channel_id: str, session: CallSession) -> asyncio.Future[None]:
        entered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._claims[channel_id] = (session, entered)
        return entered

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
        if isinstance(event, StasisStart) and not channel_id.startswith(MEDIA_PREFIX):
            # serialised with resync, which may be taking the same channel back
            async with self._resync_lock:
                if channel_id not in self.sessions:
                    await self._new_call(event)

    async def _new_call(self, event: StasisStart) -> None:
        channel = event.channel
        existing = await self.s.calls.get(channel.id)
        if existing is not None and existing.state == CallState.ENDED:
            # back from a queue (the caller chose the voicebot, or the queue gave up)
            came_back = event.args[0] if event.args else "queue"
            record = await self.s.calls.reenter(
                channel.id,
                {
                    "case_id": existing.state_data.get("case_id", ""),
                    "lang": existing.state_data.get("lang", existing.language),
                    "lang_known": existing.state_data.get("lang_known", False),
                    "came_back": came_back,
                },
            )
            log.info("call %s came back from the queue (%s)", channel.id, came_back)
        elif existing is not None:
            record = existing
        else:
            record = await self.s.calls.create(
                channel.id, channel.caller.number, channel.dialplan_exten, channel.language
            )
            log.info("call %s started", channel.id)
        self.s.bus.publish(BusEvent("call.started", {"call_id": channel.id}))
        self._start_session(record, resumed=False)

    def _start_session(self, record: CallRecord, *, resumed: bool) -> None:
        session = CallSession(record, self.s, self._claim, resumed=resumed)
        self.sessions[record.id] = session

        async def run_and_forget() -> None:
            try:
                await session.run()
            finally:
                self.sessions.pop(record.id, None)
                for channel_id, (owner, _) in list(self._claims.items()):
                    if owner is session:
                        self._claims.pop(channel_id, None)

        self._tasks.spawn(run_and_forget(), record.id)

    async def on_connected(self) -> None:
        """After every (re)connect: take back the calls still in the application."""
        async with self._resync_lock:
            try:
                channel_ids = await self.s.rest.application_channel_ids(self.s.app)
            except AriError as exc:
                log.warning("resync failed: %s", exc)
                return
            live = set(channel_ids)
            for channel_id in channel_ids:
                if channel_id in self.sessions or channel_id in self._claims:
                    continue
                if channel_id.startswith(MEDIA_PREFIX):
                    # a media channel of a controller that died: its call opens a new one
                    with contextlib.suppress(AriError):
                        await self.s.rest.hangup(channel_id)
                    continue
                record = await self.s.calls.get(channel_id)
                if record is None or record.state == CallState.ENDED:
                    try:
                        channel = await self.s.rest.get_channel(channel_id)
                    except CallNotFound:
                        continue
                    if record is None:
                        record = await self.s.calls.create(
                            channel.id,
                            channel.caller.number,
                            channel.dialplan_exten,
                            channel.language,
                        )
                    else:
                        record = await self.s.calls.reenter(
                            channel_id, {**record.state_data, "came_back": "resync"}
                        )
                if channel_id in self.sessions:
                    continue
                await self.s.calls.add_event(channel_id, "call.resumed", {"state": record.state})
                self.s.bus.publish(BusEvent("call.resumed", {"call_id": channel_id}))
                log.info("call %s taken back in state %s", channel_id, record.state)
                self._start_session(record, resumed=True)
            for record in await self.s.calls.open_calls():
                if record.id not in live and record.id not in self.sessions:
                    await self.s.calls.transition(
                        record.id, CallState.ENDED, reason="lost_while_controller_down"
                    )

    async def aclose(self) -> None:
        await self._tasks.aclose()


async def run_controller(
    services: CallServices,
    user: str,
    password: str,
    *,
    ready: asyncio.Event | None = None,
) -> None:
    """Run the controller until cancelled."""
    controller = CallController(services)

    async def connected() -> None:
        await controller.on_connected()
        if ready is not None:
            ready.set()

    socket = AriEventSocket(
        services.settings.ari_base_url,
        services.app,
        user,
        password,
        controller.on_event,
        connected,
        initial_backoff_s=services.settings.reconnect_initial_s,
        max_backoff_s=services.settings.reconnect_max_s,
    )
    try:
        await socket.run()
    finally:
        await controller.aclose()
