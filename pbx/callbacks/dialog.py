"""Booking a callback on the phone: the caller confirms the number to call (their
caller ID, or one keyed in), the request is stored durably, and only then is the
caller told it is booked, with its reference and when to expect the call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from guichet.casefile.errors import InvalidNumber
from guichet.casefile.phone_numbers import format_national, normalize_number
from guichet.casefile.records import CallbackRecord
from guichet.tasks import cancel_and_wait
from pbx.callbacks.prompts import message, refusal, spoken_due, spoken_reference

__all__ = ["MAX_ATTEMPTS", "CallbackDialog", "Speaks"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
FIRST_KEY_TIMEOUT_S = 10.0
NEXT_KEY_TIMEOUT_S = 5.0


class Speaks(Protocol):
    """What the dialog needs to talk (a :class:`LinkSpeaker` on a call)."""

    async def say(self, text: str, lang: str, interrupt: asyncio.Event | None = None) -> bool: ...


@dataclass
class CallbackDialog:
    prompter: Speaks
    keys: asyncio.Queue[str]
    lang: str
    tz: ZoneInfo
    # the booking's own check (CallbackBook.normalize: French numbers in a range in
    # use, foreign ones per the settings): a number read back is one it will take
    normalize: Callable[[str], str] = normalize_number
    first_key_timeout_s: float = FIRST_KEY_TIMEOUT_S
    next_key_timeout_s: float = NEXT_KEY_TIMEOUT_S

    async def _prompt(self, text: str) -> None:
        """Speak; a key pressed meanwhile stops the prompt and stays queued."""
        pressed = asyncio.Event()
        if not self.keys.empty():
            return
        waiter = asyncio.ensure_future(self._wait_key(pressed))
        try:
            await self.prompter.say(text, self.lang, interrupt=pressed)
        finally:
            await cancel_and_wait(waiter)

    async def _wait_key(self, pressed: asyncio.Event) -> None:
        key = await self.keys.get()
        self.keys.put_nowait(key)  # back for the reader: this only notices it
        pressed.set()

    async def _read_keys(self, accept_single: str | None) -> str | None:
        """Keys up to '#', or the single key ``accept_single``; None on time-out."""
        typed = ""
        timeout = self.first_key_timeout_s
        while True:
            try:
                key = await asyncio.wait_for(self.keys.get(), timeout)
            except TimeoutError:
                return typed + "#" if len(typed) >= 10 else None
            if not typed and key == accept_single:
                return key
            if key == "#":
                return typed + "#"
            if key == "*":
                typed = ""
                continue
            typed += key
            timeout = self.next_key_timeout_s

    async def confirm_number(self, caller_id: str | None) -> str | None:
        """The number the caller confirmed (E.164), or None after the attempts.

        A caller ID the booking would refuse (withheld, or a number no French range
        holds) is not offered: the caller is asked to key one in. A keyed number
        that is refused is said to be so, with why when it helps, and asked again."""
        number = self._caller_id(caller_id)
        for _ in range(MAX_ATTEMPTS):
            if number is not None:
                confirm = message("confirm", self.lang)
                await self._prompt(confirm.format(number=format_national(number)))
                keys = await self._read_keys(accept_single="1")
                if keys == "1":
                    return number
            else:
                await self._prompt(message("ask", self.lang))
                keys = await self._read_keys(accept_single=None)
            if keys is None:
                continue
            try:
                number = self.normalize(keys.rstrip("#"))  # read it back for confirmation
            except InvalidNumber as exc:
                log.info("keyed callback number refused: %s", exc.reason)
                await self._prompt(refusal(exc.reason, self.lang))
        return None

    def _caller_id(self, raw: str | None) -> str | None:
        if not raw:
            return None
        try:
            return self.normalize(raw)
        except InvalidNumber:
            return None

    async def booked(self, record: CallbackRecord) -> None:
        # an SMS is promised only when one was queued (not for a landline, nor past a cap)
        sms = message("sms", self.lang) if record.sms_id else ""
        await self.prompter.say(
            message("booked", self.lang).format(
                reference=spoken_reference(record.reference),
                when=spoken_due(record.due_by, self.tz, self.lang),
                sms=sms,
            ),
            self.lang,
        )

    async def failed(self) -> None:
        await self.prompter.say(message("failed", self.lang), self.lang)
