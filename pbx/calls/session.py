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
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any, Protocol, TypeVar

from guichet.bus import EventBus
from guichet.casefile.records import Outcome
from guichet.casefile.repository import CaseRepository
from guichet.events import CallEnded as CallEndedEvent
from guichet.events import CallEvent, LanguageChanged
from guichet.tasks import cancel_and_wait
from pbx.ari.events import AriEvent, ChannelDtmfReceived, StasisEnd
from pbx.ari.rest import AriRest
from pbx.calls.errors import CallEnded
from pbx.calls.state import CallFacts, CallState, HangingUp, StateRecord
from pbx.calls.store import CallRecord, CallRepository
from pbx.errors import AriError, CallNotFound, MediaError
from pbx.media.link import MediaLink

__all__ = ["CallSession", "CallStep", "LinkFactory"]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_LANG = "fr"


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

    # --- state ---
    async def go(
        self, step: StateRecord, *, facts: CallFacts | None = None, reason: str | None = None
    ) -> None:
        """Save the call in ``step``'s state (the machine checks the transition)."""
        previous = self.record.state
        self.record = await self.calls.transition(
            self.call_id, step, facts or self.record.facts, reason
        )
        if previous != self.record.state:
            log.info("call %s: %s -> %s", self.call_id, previous, self.record.state)

    async def learn_language(self, lang: str) -> None:
        """The caller's language is now known: saved with the call and on its case."""
        if self.lang_known and lang == self.lang:
            return
        await self.go(self.record.step, facts=self.facts.with_lang(lang, known=True))
        await self.cases.set_language(self.case_id, lang)
        self.publish(LanguageChanged(call_id=self.call_id, case_id=self.case_id, lang=lang))

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
        await self.cases.set_outcome(self.case_id, outcome)
        self.outcome = outcome

    def outcome_recorded(self, outcome: Outcome) -> None:
        """Someone else recorded it (the callback booking does)."""
        self.outcome = outcome

    async def _close_case(self) -> None:
        """A call leg that ends without a recorded outcome: answered or abandoned (a
        call left in the reception queue gets its agent's outcome when picked up)."""
        if not self.case_id or self.outcome is not None:
            return
        with contextlib.suppress(Exception):
            await self.cases.set_outcome(
                self.case_id, Outcome.ANSWERED_BY_BOT if self.answered else Outcome.ABANDONED
            )

    # --- the call ---
    async def run(self) -> None:
        reason = "completed"
        try:
            await self._route()
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
            with contextlib.suppress(AriError):
                await self.rest.hangup(self.call_id)
        if self.record.state != CallState.ENDED:
            await self.calls.end(self.call_id, self.facts, reason)
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
