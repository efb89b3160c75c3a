"""One chat conversation as the web app holds it: its messages (numbered), its state
(the bot, waiting for an agent, live with an agent, ended) and a change signal that
long polls wait on. The case file in the store keeps the transcript; this is the
live view of it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from guichet.casefile.records import Speaker
from guichet.store.models import utcnow
from voicebot import TextChat

__all__ = ["Author", "ChatMessage", "ChatState", "Conversation", "Source", "Topic", "UnsavedTurn"]

Author = Literal["visitor", "bot", "agent", "system"]
# a line for the case, written with the others of its exchange: who, text, card, when
UnsavedTurn = tuple[Speaker, str, str | None, datetime]
Topic = tuple[str, str, str]  # the card the conversation is about: id, title, service


class ChatState(StrEnum):
    BOT = "bot"  # the dialog answers
    WAITING = "waiting"  # handed over: a reception agent has not taken it yet
    LIVE = "live"  # an agent answers
    ENDED = "ended"


@dataclass(frozen=True)
class Source:
    """Where an answer comes from: the card, and its page on the city's site if any."""

    card_id: str
    title: str
    url: str | None = None
    label: str = ""  # "Source : fiche « … »", in the conversation's language

    def to_json(self) -> dict[str, Any]:
        return {"card_id": self.card_id, "title": self.title, "url": self.url, "label": self.label}


@dataclass(frozen=True)
class ChatMessage:
    seq: int
    author: Author
    text: str
    kind: str  # question, answer, confirm, abstain, offer, prompt, hours, notice…
    at: datetime
    lang: str
    details: str | None = None  # the rest of the card, under its answer
    source: Source | None = None
    # what the visitor may do next, as buttons: agent, callback, hours, yes, no,
    # callback_form (the number field)
    offers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "author": self.author,
            "text": self.text,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "lang": self.lang,
            "details": self.details,
            "source": self.source.to_json() if self.source else None,
            "offers": list(self.offers),
        }


@dataclass(eq=False)
class Conversation:
    id: str  # the agents' name for it (never the visitor's token)
    token: str  # the visitor's secret: whoever holds it is the visitor
    case_id: str
    lang: str
    ip: str
    chat: TextChat
    state: ChatState = ChatState.BOT
    agent: str | None = None  # the username of the agent who took it
    messages: list[ChatMessage] = field(default_factory=list)
    suggestions: dict[str, Any] | None = None  # live assist's cards, for the agent
    answered: bool = False  # the bot gave at least one card's answer
    handed_over: bool = False
    unsaved: list[UnsavedTurn] = field(default_factory=list)
    topic: Topic | None = None  # a card answered, not yet in the case
    last_active: float = field(default_factory=time.monotonic)
    version: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(
        self,
        author: Author,
        text: str,
        kind: str,
        *,
        details: str | None = None,
        source: Source | None = None,
        offers: tuple[str, ...] = (),
    ) -> ChatMessage:
        message = ChatMessage(
            seq=len(self.messages) + 1,
            author=author,
            text=text,
            kind=kind,
            at=utcnow(),
            lang=self.lang,
            details=details,
            source=source,
            offers=offers,
        )
        self.messages.append(message)
        self.touch()
        return message

    def touch(self) -> None:
        """Something changed: long polls wake up."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def after(self, seq: int) -> list[ChatMessage]:
        return self.messages[max(seq, 0) :]

    async def wait_past(self, seq: int, timeout_s: float) -> None:
        """Until there is a message after ``seq`` or the state changes, or the time-out."""
        if len(self.messages) <= seq:
            await self._next_change(timeout_s)

    async def wait_version(self, version: int, timeout_s: float) -> None:
        if self.version == version:
            await self._next_change(timeout_s)

    async def _next_change(self, timeout_s: float) -> None:
        """Until the next change, or the time-out (none when ``timeout_s`` <= 0)."""
        if timeout_s <= 0:
            return
        waiter = self._changed
        try:
            await asyncio.wait_for(waiter.wait(), timeout_s)
        except TimeoutError:
            return

    def summary(self) -> dict[str, Any]:
        """The desk's line for it."""
        first = next((m.text for m in self.messages if m.author == "visitor"), "")
        return {
            "id": self.id,
            "case_id": self.case_id,
            "state": self.state.value,
            "agent": self.agent,
            "lang": self.lang,
            "first_question": first[:200],
            "messages": len(self.messages),
        }
