"""What a web call's visitor hears when the hand-over to a person cannot happen (no
call side, the bridge refuses, nobody left in the queues): a short apology that says
no one is free now and what to do instead, in the bot's own voice.

The words are the chat's "no agent" message (the same page offers the callback and
the opening hours), behind a short "sorry"; the voice is the TTS engine of the bot
that spoke on the call, so the visitor does not hear a different speaker."""

from __future__ import annotations

import asyncio
import logging

from agent_softphone.chat.strings import chat_lang
from agent_softphone.chat.strings import say as chat_says
from agent_softphone.webcall.media import OutgoingAudio
from voicebot import Lang, Voice, VoicebotError

__all__ = ["APOLOGY_S", "apology_text", "say_sorry"]

log = logging.getLogger(__name__)

_SORRY: dict[Lang, str] = {"fr": "Je suis désolé.", "en": "I'm sorry."}

# the apology's synthesis and playing together (about ten seconds of speech): past
# this the call ends anyway, a hung voice must not hold the visitor on the line
APOLOGY_S = 30.0


def apology_text(lang: str) -> str:
    """The apology in ``lang`` (``fr`` or ``en``; anything else: French)."""
    code: Lang = chat_lang(lang)
    return f"{_SORRY[code]} {chat_says(code, 'no_agent')}"


async def say_sorry(
    voice: Voice, text: str, lang: str, to: OutgoingAudio, gone: asyncio.Event
) -> bool:
    """Speak ``text`` to the visitor (``to``); False when it could not be said (the
    voice failed or hung: logged) or the visitor left (``gone``) before its end."""

    async def send(pcm: bytes) -> None:
        to.queue(pcm)

    try:
        async with asyncio.timeout(APOLOGY_S):
            return await voice.say(text, lang, send, gone)
    except (TimeoutError, VoicebotError) as exc:
        log.warning("web call: the apology could not be said (%s)", type(exc).__name__)
        return False
