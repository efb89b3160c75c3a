"""The CALLBACK step: over a media link, the caller confirms the number to call back;
the callback is booked (durably, with its SMS) and only then confirmed aloud.

A restart after the booking does not book twice: the state record holds the
callback's id, and only the confirmation is said again.
"""

from __future__ import annotations

import asyncio
import logging

from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.records import CallbackRecord, Outcome
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer
from guichet.events import CallbackBooked
from pbx.callbacks.dialog import CallbackDialog
from pbx.callbacks.prompts import message
from pbx.calls.errors import describe_failure
from pbx.calls.session import CallSession
from pbx.calls.state import Callback, HangingUp
from pbx.calls.summary import write_summary
from pbx.media.link import MediaLink
from voicebot import Voice

__all__ = ["CallbackStep", "LinkSpeaker"]

log = logging.getLogger(__name__)


class LinkSpeaker:
    """Says prompts over a call's media link; a key press stops the prompt at once."""

    def __init__(self, voice: Voice, link: MediaLink) -> None:
        self.voice = voice
        self.link = link

    async def say(self, text: str, lang: str, interrupt: asyncio.Event | None = None) -> bool:
        finished = await self.voice.say(
            text, lang, self.link.send, interrupt, sample_rate=self.link.sample_rate
        )
        if not finished:
            await self.link.flush()  # what Asterisk has queued goes too
        return finished


class CallbackStep:
    def __init__(
        self,
        callbacks: CallbackBook,
        cases: CaseRepository,
        summarizer: Summarizer,
        voice: Voice,
    ) -> None:
        self.callbacks = callbacks
        self.cases = cases
        self.summarizer = summarizer
        self.voice = voice

    async def run(self, call: CallSession) -> None:
        step = call.record.step
        assert isinstance(step, Callback)
        link = await call.open_link(step.link_id)
        keys: asyncio.Queue[str] = asyncio.Queue()
        speaker = LinkSpeaker(self.voice, link)
        dialog = CallbackDialog(
            speaker,
            keys,
            call.lang,
            self.callbacks.tz,
            normalize=self.callbacks.normalize,
        )
        try:
            with call.listening(keys=keys.put_nowait):
                if call.resumed or step.incident:
                    await call.until_gone(speaker.say(message("sorry", call.lang), call.lang))
                if step.callback_id:
                    # booked before the restart: only the confirmation is left to say
                    record = await call.store(
                        self.callbacks.get_callback(step.callback_id), "reading the callback"
                    )
                else:
                    number = await call.until_gone(dialog.confirm_number(call.record.caller))
                    if number is None:
                        await call.until_gone(dialog.failed())
                        await call.set_outcome(Outcome.ABANDONED)
                        await call.go(HangingUp())
                        return
                    booked = await self._book(call, step, number)
                    if booked is None:
                        # not booked: the caller is told so in the call's voice, never
                        # that it is; the call then ends as an error
                        await call.until_gone(dialog.failed())
                        call.failed("callback not booked")
                        await call.go(HangingUp())
                        return
                    record = booked
                await call.until_gone(dialog.booked(record))
        finally:
            await link.aclose()
        await call.go(HangingUp())

    async def _book(self, call: CallSession, step: Callback, number: str) -> CallbackRecord | None:
        """The booked callback; None when the store failed or did not answer in time
        (a booking that lands later still gets its call back and its SMS)."""
        await write_summary(self.cases, self.summarizer, call)
        try:
            record = await call.store(
                self.callbacks.book_callback(
                    call.case_id, number, service=step.service, language=call.lang
                ),
                "booking the callback",
            )
        except Exception as exc:
            log.warning("call %s: booking failed (%s)", call.call_id, describe_failure(exc))
            return None
        call.outcome_recorded(Outcome.CALLBACK)  # the booking sets it, in its transaction
        await call.go(
            Callback(
                link_id=step.link_id,
                service=step.service,
                incident=step.incident,
                callback_id=record.id,
            )
        )
        call.publish(
            CallbackBooked(
                call_id=call.call_id,
                case_id=call.case_id,
                callback_id=record.id,
                reference=record.reference,
                due_by=record.due_by,
                service=step.service,
            )
        )
        log.info("call %s: callback %s booked", call.call_id, record.reference)
        return record
