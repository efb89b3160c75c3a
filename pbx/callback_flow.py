"""Booking a callback on the phone: the caller confirms the number to call (their
caller ID, or one keyed in), the request is stored durably, and only then is the
caller told it is booked, with its reference and when to expect the call."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from guichet.casefile.errors import InvalidNumber
from guichet.casefile.phone_numbers import format_national, normalize_number
from guichet.casefile.records import CallbackRecord
from guichet.tasks import cancel_and_wait
from voicebot.ear import MONTHS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
FIRST_KEY_TIMEOUT_S = 10.0
NEXT_KEY_TIMEOUT_S = 5.0

MESSAGES = {
    "fr": {
        "confirm": "Un agent de la mairie peut vous rappeler au {number}. Tapez 1 pour "
        "confirmer, ou tapez un autre numéro suivi de la touche dièse.",
        "ask": "Tapez le numéro auquel vous rappeler, suivi de la touche dièse.",
        "invalid": "Ce numéro n'est pas valide.",
        "failed": "Je n'ai pas pu enregistrer de demande de rappel. Merci de rappeler la "
        "mairie aux heures d'ouverture. Au revoir.",
        "booked": "C'est noté. Votre référence est {reference}. Un agent vous rappellera "
        "au plus tard {when}.{sms} Au revoir.",
        "sms": " Vous allez recevoir un SMS de confirmation.",
    },
    "en": {
        "confirm": "A city hall agent can call you back on {number}. Press 1 to confirm, "
        "or key in another number followed by the hash key.",
        "ask": "Please key in the number to call you back on, followed by the hash key.",
        "invalid": "That number is not valid.",
        "failed": "I could not book a callback. Please call the city hall again during "
        "opening hours. Goodbye.",
        "booked": "Done. Your reference is {reference}. An agent will call you back by "
        "{when}.{sms} Goodbye.",
        "sms": " You will receive a confirmation text message.",
    },
}
_DAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def spoken_reference(reference: str) -> str:
    """``CB-4K7Q2`` → ``C B, 4 K 7 Q 2``: letter by letter, never as a word."""
    head, _, tail = reference.partition("-")
    return f"{' '.join(head)}, {' '.join(tail)}" if tail else " ".join(reference)


def spoken_due(due_by: datetime, tz: ZoneInfo, lang: str) -> str:
    local = due_by.astimezone(tz)
    day = _DAYS["en" if lang == "en" else "fr"][local.weekday()]
    month = MONTHS["en" if lang == "en" else "fr"][local.month - 1]
    if lang == "en":
        return f"{day} {month} {local.day} at {local:%H:%M}"
    minutes = f" {local.minute}" if local.minute else ""
    return f"{day} {local.day} {month} à {local.hour} heures{minutes}"


class Speaks(Protocol):
    """What the dialog needs to talk (``pbx.prompter.Prompter`` on a call)."""

    async def say(self, text: str, lang: str, interrupt: asyncio.Event | None = None) -> bool: ...


@dataclass
class CallbackDialog:
    prompter: Speaks
    keys: asyncio.Queue[str]
    lang: str
    tz: ZoneInfo
    allow_international: bool = False
    first_key_timeout_s: float = FIRST_KEY_TIMEOUT_S
    next_key_timeout_s: float = NEXT_KEY_TIMEOUT_S

    def _m(self, key: str) -> str:
        return MESSAGES["en" if self.lang == "en" else "fr"][key]

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
        """The number the caller confirmed (E.164), or None after the attempts."""
        number = self._valid(caller_id)
        for _ in range(MAX_ATTEMPTS):
            if number is not None:
                await self._prompt(self._m("confirm").format(number=format_national(number)))
                keys = await self._read_keys(accept_single="1")
                if keys == "1":
                    return number
            else:
                await self._prompt(self._m("ask"))
                keys = await self._read_keys(accept_single=None)
            if keys is None:
                continue
            typed = self._valid(keys.rstrip("#"))
            if typed is None:
                await self._prompt(self._m("invalid"))
            else:
                number = typed  # read it back for confirmation
        return None

    def _valid(self, raw: str | None) -> str | None:
        if not raw:
            return None
        try:
            return normalize_number(raw, allow_international=self.allow_international)
        except InvalidNumber:
            return None

    async def booked(self, record: CallbackRecord) -> None:
        sms = self._m("sms") if record.sms_id else ""
        await self.prompter.say(
            self._m("booked").format(
                reference=spoken_reference(record.reference),
                when=spoken_due(record.due_by, self.tz, self.lang),
                sms=sms,
            ),
            self.lang,
        )

    async def failed(self) -> None:
        await self.prompter.say(self._m("failed"), self.lang)
