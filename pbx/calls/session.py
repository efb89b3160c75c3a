"""One call's conversation with Asterisk: a thin router over the call's saved state.

The session owns what every feature needs on a call — its record and saved state,
its ARI events, the caller's audio and keys, a media link, the case outcome — and
hands the call to the feature (a :class:`CallStep`) that runs the state it is in.
A step ends by saving the next state (:meth:`CallSession.go`) or by the call leaving
Stasis (:class:`CallEnded`). Features live in their own folders (``pbx/voicebot_call``,
``pbx/queues``, ``pbx/callbacks``); adding one is adding a state and its step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from guichet.bus import EventBus
from guichet.casefile.records import Outcome
from guichet.casefile.repository import CaseRepository
from guichet.events import CallEnded as CallEndedEvent
from guichet.events import CallEvent, LanguageChanged
from guichet.settings import Settings
from guichet.tasks import cancel_and_wait
from pbx.ari.events import AriEvent, ChannelDtmfReceived, StasisEnd
from pbx.ari.rest import AriRest
from pbx.calls.errors import CallEnded, StepTimedOut, describe_failure
from pbx.calls.line_silence import start_line_silence, stop_line_silence
from pbx.calls.state import CallFacts, CallState, HangingUp, StateRecord
from pbx.calls.store import CallRecord, CallRepository
from pbx.errors import AriConflict, AriError, CallNotFound
from pbx.media.link import MediaLink

__all__ = [
    "LAST_RESORT_CONTEXT",
    "CallSession",
    "CallStep",
    "CallTimeouts",
    "LinkFactory",
    "send_to_last_resort",
    "within",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_LANG = "fr"
# extensions.conf: an apology, then the flow's routing as when the controller is down
LAST_RESORT_CONTEXT = "guichet-error"
# the end reason of a call the controller was stopped under (SIGTERM, Ctrl-C)
STOPPED = "controller_stopped"


@dataclass(frozen=True)
class CallTimeouts:
    """How long a call waits on what it depends on before it gives up on it: each
    awaited store call (``store_s``), the case summary before a hand-over
    (``summary_s``), and Asterisk when asked for the last resort (``ari_s``, the
    requests together; not a setting: ARI answers in milliseconds, and past a second
    the caller is better hung up than left waiting)."""

    store_s: float = 1.5
    summary_s: float = 1.5
    ari_s: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> CallTimeouts:
        return cls(store_s=settings.call_store_timeout_s, summary_s=settings.summary_timeout_s)


async def within(work: Awaitable[T], seconds: float) -> T:
    """``work``'s result, or TimeoutError after ``seconds``. ``asyncio.timeout`` and
    not ``wait_for``: Python 3.11's ``wait_for`` may swallow a cancellation that comes
    as the work completes, and a call's task that ignores its cancellation hangs the
    controller's shutdown."""
    async with asyncio.timeout(seconds):
        return await work


async def send_to_last_resort(
    rest: AriRest, channel_id: str, timeout_s: float, variables: Mapping[str, str] | None = None
) -> None:
    """The last resort of a call Guichet cannot serve: an apology, then the routing of
    the call flow when the controller is down (the reception queue when open, else
    the closed message and a hang-up), all in the dialplan with recorded prompts, so
    that nothing that may have failed here (store, engines, media) is needed. Only
    when even that cannot be asked of Asterisk (in ``timeout_s``) is the call hung
    up. ``variables`` (the case for whoever answers, the prompts' language) are set
    first, best effort."""

    async def move() -> None:
        for name, value in (variables or {}).items():
            if value:
                with contextlib.suppress(AriError):
                    await rest.set_variable(channel_id, name, value)
        with contextlib.suppress(AriError):  # the apology must not be muted by it
            await rest.stop_silence(channel_id)
        await rest.continue_in_dialplan(channel_id, LAST_RESORT_CONTEXT, "s")

    try:
        # ARI's own client waits 5 s: the caller must hear something well before
        await within(move(), timeout_s)
    except (CallNotFound, AriConflict):
        return  # gone, or no longer ours to move (it left Stasis meanwhile)
    except (AriError, TimeoutError) as exc:
        log.warning(
            "call %s: last resort refused (%s); hanging up", channel_id, describe_failure(exc)
        )
        with contextlib.suppress(AriError, TimeoutError):
            await within(rest.hangup(channel_id), timeout_s)
    else:
        log.info("call %s: to the last resort", channel_id)


class CallStep(Protocol):
    """A feature's part of a call: runs the call while it is in one state."""

    async def run(self, call: CallSession) -> None: ...


class LinkFactory(Protocol):
    """Opens a media link for a call (the controller routes its channel's events)."""

    def __call__(
        self, call_id: str, link_id: str, on_audio: Callable[[bytes], None]
    ) -> tuple[MediaLink, asyncio.Future[None]]: ...


class CallSession:
    def __init__(
        self,
        record: CallRecord,
        *,
        calls: CallRepository,
        cases: CaseRepository,
        rest: AriRest,
        bus: EventBus,
        steps: Mapping[CallState, CallStep],
        links: LinkFactory,
        resumed: bool = False,
        timeouts: CallTimeouts | None = None,
    ) -> None:
        self.record = record
        self.calls = calls
        self.cases = cases
        self.rest = rest
        self.bus = bus
        self.steps = steps
        self._links = links
        self.resumed = resumed
        self.events: asyncio.Queue[AriEvent] = asyncio.Queue()
        self.gone = asyncio.Event()
        self._audio_sink: Callable[[bytes], None] | None = None
        self._dtmf_sink: Callable[[str], None] | None = None
        self.outcome: Outcome | None = None  # recorded on the case during this leg
        self.answered = 0  # questions answered from a card during this leg
        self.timeouts = timeouts or CallTimeouts()
        # set by a step that met a fault and already told the caller (in the call's
        # own voice) before hanging up: the call then ends as an error all the same
        self.failure: str | None = None

    # --- what the call is ---
    @property
    def call_id(self) -> str:
        return self.record.id

    @property
    def facts(self) -> CallFacts:
        return self.record.facts

    @property
    def case_id(self) -> str:
        return self.record.facts.case_id

    @property
    def lang(self) -> str:
        return self.record.facts.lang or self.record.language or DEFAULT_LANG

    @property
    def lang_known(self) -> bool:
        """The caller's own language is known (spoken or chosen), not just the default."""
        return self.record.facts.lang_known

    # --- events from the controller ---
    def deliver(self, event: AriEvent) -> None:
        if event.channel_id != self.call_id:
            return
        if isinstance(event, ChannelDtmfReceived):
            if self._dtmf_sink is not None:
                self._dtmf_sink(event.digit)
            return
        if isinstance(event, StasisEnd):
            self.gone.set()
        self.events.put_nowait(event)

    @contextlib.contextmanager
    def listening(
        self,
        *,
        audio: Callable[[bytes], None] | None = None,
        keys: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """Route the caller's audio and key presses to a feature while it runs."""
        self._audio_sink, self._dtmf_sink = audio, keys
        try:
            yield
        finally:
            self._audio_sink = self._dtmf_sink = None

    def _on_media_audio(self, pcm: bytes) -> None:
        if self._audio_sink is not None:
            self._audio_sink(pcm)

    def publish(self, event: CallEvent) -> None:
        self.bus.publish(event)

    # --- the caller's line between steps (pbx.calls.line_silence) ---
    async def fill_silence(self) -> None:
        """Asterisk sends the caller silence until a media link or the dialplan
        takes the line (a link stops it once it feeds the caller)."""
        await start_line_silence(self.rest, self.call_id, self.timeouts.ari_s)

    async def stop_silence(self) -> None:
        """Before the call leaves for the dialplan, which feeds the line itself."""
        await stop_line_silence(self.rest, self.call_id, self.timeouts.ari_s)

    # --- state ---
    async def go(
        self, step: StateRecord, *, facts: CallFacts | None = None, reason: str | None = None
    ) -> None:
        """Save the call in ``step``'s state (the machine checks the transition)."""
        previous = self.record.state
        self.record = await self.store(
            self.calls.transition(self.call_id, step, facts or self.record.facts, reason),
            "saving the call's state",
        )
        if previous != self.record.state:
            log.info("call %s: %s -> %s", self.call_id, previous, self.record.state)

    async def learn_language(self, lang: str) -> None:
        """The caller's language is now known: saved with the call and on its case."""
        if self.lang_known and lang == self.lang:
            return
        await self.go(self.record.step, facts=self.facts.with_lang(lang, known=True))
        await self.store(self.cases.set_language(self.case_id, lang), "saving the language")
        self.publish(LanguageChanged(call_id=self.call_id, case_id=self.case_id, lang=lang))

    async def store(self, work: Awaitable[T], what: str) -> T:
        """Await a store call within the call's store time-out (StepTimedOut past it).
        The write itself may still finish in its thread: nothing here depends on it."""
        try:
            return await within(work, self.timeouts.store_s)
        except TimeoutError as exc:
            raise StepTimedOut(what, self.timeouts.store_s) from exc

    def failed(self, what: str) -> None:
        """A step met a fault and has apologised itself: the call ends as an error."""
        log.warning("call %s: %s", self.call_id, what)
        self.failure = what

    async def until_gone(self, work: Coroutine[Any, Any, T]) -> T:
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

    async def next_event(self, within_s: float | None = None) -> AriEvent:
        event = await asyncio.wait_for(self.events.get(), within_s)
        if isinstance(event, StasisEnd):
            raise CallEnded
        return event

    async def wait_until_gone(self) -> None:
        """For a call handed to the dialplan: its StasisEnd closes this leg."""
        while True:
            await self.next_event()

    async def open_link(self, link_id: str) -> MediaLink:
        """Bridge the caller with a new media channel (audio both ways)."""
        link, entered = self._links(self.call_id, link_id, self._on_media_audio)
        try:
            await self.until_gone(link.open(lambda _channel_id: entered))
        except BaseException:
            await link.aclose()
            raise
        return link

    # --- the case ---
    async def set_outcome(self, outcome: Outcome) -> None:
        if not self.case_id:
            return
        await self.store(self.cases.set_outcome(self.case_id, outcome), "saving the outcome")
        self.outcome = outcome

    def outcome_recorded(self, outcome: Outcome) -> None:
        """Someone else recorded it (the callback booking does)."""
        self.outcome = outcome

    async def _close_case(self) -> None:
        """A call leg that ends without a recorded outcome: answered or abandoned (a
        call left in the reception queue gets its agent's outcome when picked up)."""
        if not self.case_id or self.outcome is not None:
            return
        outcome = Outcome.ANSWERED_BY_BOT if self.answered else Outcome.ABANDONED
        try:
            await self.store(self.cases.set_outcome(self.case_id, outcome), "closing the case")
        except Exception as exc:  # the call is over: the case stays open, the row says why
            log.warning("call %s: case not closed (%s)", self.call_id, describe_failure(exc))

    # --- the call ---
    async def run(self) -> None:
        """Route the call until it leaves; never raises (but for cancellation): a
        failure anywhere gives the caller the last resort, and the call ends. Cancelled
        (the controller stops), the call winds up first, then the cancellation goes on."""
        reason = "completed"
        try:
            await self._route()
        except asyncio.CancelledError:
            await self._wind_up()
            raise
        except CallEnded:
            # the channel left Stasis: as asked (hang-up, queue) or the caller hung up
            reason = {
                CallState.HANGING_UP: "completed",
                CallState.TRANSFERRING: "to_queue",
            }.get(self.record.state, "caller_hangup")
        except CallNotFound:
            reason = "channel_gone"
        except Exception as exc:  # whatever failed, the caller must still hear us
            log.warning(
                "call %s: %s in state %s; last resort",
                self.call_id,
                describe_failure(exc),
                self.record.state,
            )
            reason = "error"
            await self.last_resort()
        if self.failure is not None:
            reason = "error"
        await self._finish(reason)

    async def _wind_up(self) -> None:
        """The controller stops with this call in progress (SIGTERM, Ctrl-C): no one
        will serve it here any more, so the caller goes where the call flow sends a
        call when the controller is down (the dialplan's last resort), and the call's
        row ends. Within the ARI and store time-outs: the controller's stop waits."""
        log.info("call %s: the controller stops; to the last resort", self.call_id)
        try:
            await self.last_resort()
            await self._finish(STOPPED)
        except Exception as exc:  # the stop goes on: a row left open is ended at resync
            log.warning("call %s: not wound up (%s)", self.call_id, describe_failure(exc))

    async def last_resort(self) -> None:
        """The caller hears an apology, then goes where the call flow sends a call
        when the controller is down (see :func:`send_to_last_resort`)."""
        if self.gone.is_set():
            return  # already out of Stasis: hung up, or in the dialplan
        variables = {"GUICHET_CASE": self.case_id, "CHANNEL(language)": self.lang}
        await send_to_last_resort(self.rest, self.call_id, self.timeouts.ari_s, variables)

    async def _finish(self, reason: str) -> None:
        """Save the call as ended, close its case, tell the listeners. Best effort:
        the store may be what failed (a row left open is ended by the next resync)."""
        if self.record.state != CallState.ENDED:
            try:
                await self.store(self.calls.end(self.call_id, self.facts, reason), "ending")
            except Exception as exc:
                log.warning("call %s: not saved as ended (%s)", self.call_id, describe_failure(exc))
        await self._close_case()
        self.publish(CallEndedEvent(call_id=self.call_id, case_id=self.case_id, reason=reason))
        log.info("call %s ended (%s)", self.call_id, reason)

    async def _route(self) -> None:
        """Each state's step, until one leaves the call where it is (hung up)."""
        while (state := self.record.state) != CallState.ENDED:
            await self.steps[state].run(self)
            if self.record.state == state:
                return

    async def hang_up(self) -> None:
        """Ask Asterisk to hang up (the HANGING_UP step confirms it)."""
        await self.go(HangingUp())
