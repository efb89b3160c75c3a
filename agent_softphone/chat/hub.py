"""The website chat's conversations: the voicebot's dialog in text over the same
knowledge base, every conversation a case (channel ``web``), and the hand-over:
(a) a live chat with a reception agent when one is available, (b) a callback
(number checked as on the phone, SMS through the outbox), (c) the opening hours and
address (the knowledge base's card for them).

Held in memory by the one web process (the case in the store is the durable record);
a restart ends the live conversations, the cases stay. Every entry point is async
and the CPU or store work runs in a thread."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from agent_softphone.assist.cards import hits_json
from agent_softphone.chat.conversation import ChatState, Conversation, Source, Topic, UnsavedTurn
from agent_softphone.chat.language import written_in
from agent_softphone.chat.limits import Refused, SlidingWindow
from agent_softphone.chat.strings import chat_lang, say
from agent_softphone.desk.store import DeskStateRepository
from guichet.bus import EventBus
from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.errors import InvalidNumber
from guichet.casefile.phone_numbers import format_national
from guichet.casefile.records import Channel, Outcome, Speaker
from guichet.casefile.repository import CaseRepository, lock_case
from guichet.casefile.wording import spoken_date
from guichet.errors import GuichetError
from guichet.events import ChatEnded, ChatEvent, ChatTaken, ChatWaiting
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import CaseTurn, utcnow
from knowledge import KnowledgeBase, suggest_cards
from voicebot import (
    Action,
    Callback,
    DialogConfig,
    Hangup,
    Say,
    SimpleAnswer,
    SwitchLanguage,
    TextChat,
    Transfer,
)

__all__ = ["ChatError", "ChatHub", "ChatRefused"]

_AVAILABLE_CACHE_S = 2.0  # the agents' desk states, read at most this often
_SUGGEST_LINES = 3  # as live assist on a call: the visitor's last lines


class ChatError(GuichetError):
    """A request the conversation cannot take: ``status`` for the HTTP answer."""

    def __init__(self, status: int, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after_s = retry_after_s


class ChatRefused(ChatError):
    """An abuse limit was hit (429): the message says so, in the visitor's language."""


class _NoKnowledge:
    """No index loaded: every question is an honest abstention (and a hand-over)."""

    def answer(self, question: str, lang: str) -> SimpleAnswer:
        return SimpleAnswer(abstained=True)


class ChatHub:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        knowledge: Callable[[], KnowledgeBase | None],
        clock: Callable[[], float] = time.monotonic,
        bus: Callable[[], EventBus | None] = lambda: None,
    ) -> None:
        self.settings = settings
        self._knowledge = knowledge
        self._bus = bus
        self._clock = clock
        self._store = store
        self.cases = CaseRepository(store)
        self.callbacks = CallbackBook.from_settings(store, settings)
        self._desk_states = DeskStateRepository(store)
        self._by_token: dict[str, Conversation] = {}
        self._by_id: dict[str, Conversation] = {}
        self.per_ip = SlidingWindow("ip", settings.web_chat_per_ip_per_min, 60.0, clock)
        self.per_conversation = SlidingWindow(
            "conversation", settings.web_chat_per_conversation_per_min, 60.0, clock
        )
        self.starts = SlidingWindow(
            "starts", settings.web_chat_starts_per_ip_per_hour, 3600.0, clock
        )
        self._agents_seen: dict[str, float] = {}
        self._available: tuple[float, bool] = (-1e9, False)
        self.desk_version = 0
        self._desk_changed = asyncio.Event()

    # --- limits ---
    def check_ip(self, ip: str, lang: str) -> None:
        refused = self.per_ip.hit(ip)
        if refused is not None:
            raise _refusal(refused, lang, "too_fast")

    def check_size(self, text: str, lang: str) -> str:
        stripped = text.strip()
        if not stripped:
            raise ChatError(422, say(lang, "empty"))
        if len(text) > self.settings.web_chat_max_chars:
            raise ChatError(413, say(lang, "too_long", n=self.settings.web_chat_max_chars))
        return stripped

    # --- lookup ---
    def visitor(self, token: str | None) -> Conversation:
        found = self._by_token.get(token or "")
        if found is None:
            raise ChatError(401, "no such conversation (start one)")
        found.last_active = self._clock()
        return found

    def get(self, chat_id: str) -> Conversation | None:
        return self._by_id.get(chat_id)

    def _kb(self) -> KnowledgeBase | None:
        return self._knowledge()

    def _new_chat(self, lang: str) -> TextChat:
        kb = self._kb()
        # no "press 2 for English" in writing: the widget has its own language choice
        config = DialogConfig(language_key=None, confirm_callback=True)
        return TextChat(kb if kb is not None else _NoKnowledge(), config, chat_lang(lang))

    # --- the visitor's side ---
    async def start(self, ip: str, lang: str, city: str) -> Conversation:
        lang = chat_lang(lang)
        refused = self.starts.hit(ip)
        if refused is not None:
            raise _refusal(refused, lang, "too_many")
        await self._expire()
        open_now = sum(c.state is not ChatState.ENDED for c in self._by_id.values())
        if open_now >= self.settings.web_chat_max_open:
            raise ChatError(503, say(lang, "busy"), retry_after_s=60)
        case = await self.cases.open_case(channel=Channel.WEB, language=lang)
        chat = self._new_chat(lang)
        chat.start()  # the dialog listens; its spoken greeting is the phone's, not ours
        conv = Conversation(
            id=case.id,
            token=secrets.token_urlsafe(32),
            case_id=case.id,
            lang=lang,
            ip=ip,
            chat=chat,
            last_active=self._clock(),
        )
        self._by_token[conv.token] = conv
        self._by_id[conv.id] = conv
        await self._bot(conv, say(lang, "greeting", city=city), "greeting")
        await self._save(conv)
        return conv

    async def visitor_says(self, conv: Conversation, text: str) -> int:
        """The visitor's message, and the bot's reply when the bot has the
        conversation; the seq the visitor's message got."""
        text = self.check_size(text, conv.lang)
        refused = self.per_conversation.hit(conv.token)
        if refused is not None:
            raise _refusal(refused, conv.lang, "too_fast")
        async with conv.lock:
            if conv.state is ChatState.ENDED:
                raise ChatError(409, say(conv.lang, "ended"))
            message = conv.add("visitor", text, "question")
            conv.unsaved.append((Speaker.CALLER, text, None, message.at))
            try:
                if conv.state is ChatState.BOT:
                    await self._bot_turn(conv, text)
                else:
                    await self._suggest(conv)
            finally:
                await self._save(conv)
            return message.seq

    async def ask_agent(self, conv: Conversation) -> None:
        async with conv.lock:
            if conv.state is ChatState.BOT:
                await self._to_agent(conv)
                await self._save(conv)

    async def hours(self, conv: Conversation) -> None:
        async with conv.lock:
            kb = self._kb()
            card_id = self.settings.web_chat_hours_cards.get(conv.lang)
            card = kb.cards.get(card_id) if kb is not None and card_id else None
            if card is None:
                await self._bot(conv, say(conv.lang, "hours_missing"), "hours")
            else:
                await self._bot(
                    conv,
                    card.answer,
                    "hours",
                    details=card.details or None,
                    source=self._source(conv.lang, card.id, card.title),
                    card_id=card.id,
                )
            await self._save(conv)

    async def book_callback(self, conv: Conversation, number: str) -> None:
        """Raises ChatError 422 for a number the phone's rules refuse."""
        if len(number) > 40:
            raise ChatError(422, say(conv.lang, "bad_number"))
        async with conv.lock:
            try:
                record = await self.callbacks.book_callback(
                    conv.case_id, number, language=conv.lang
                )
            except InvalidNumber as exc:
                raise ChatError(422, say(conv.lang, "bad_number")) from exc
            tz = ZoneInfo(self.settings.callback_timezone)
            text = say(
                conv.lang,
                "booked",
                number=format_national(record.number),
                when=_when(record.due_by, tz, conv.lang),
                ref=record.reference,
            )
            if record.sms_id is not None:
                text += say(conv.lang, "booked_sms")
            await self._bot(conv, text, "callback_booked")
            await self._save(conv)

    async def end(self, conv: Conversation) -> None:
        async with conv.lock:
            await self._end(conv, by_agent=False)

    # --- the desk's side ---
    def agent_seen(self, username: str) -> None:
        now = self._clock()
        last = self._agents_seen.get(username)
        if last is None or now - last > self.settings.web_chat_agent_seen_s:
            self._available = (-1e9, False)  # a panel just opened: ask the desk again
        self._agents_seen[username] = now

    def desk_list(self, username: str) -> dict[str, Any]:
        self.agent_seen(username)
        convs = list(self._by_id.values())
        return {
            "version": self.desk_version,
            "waiting": [c.summary() for c in convs if c.state is ChatState.WAITING],
            "mine": [
                c.summary() for c in convs if c.state is ChatState.LIVE and c.agent == username
            ],
        }

    async def wait_desk(self, version: int, timeout_s: float) -> None:
        if timeout_s <= 0 or version != self.desk_version:
            return
        waiter = self._desk_changed
        try:
            await asyncio.wait_for(waiter.wait(), timeout_s)
        except TimeoutError:
            return

    def _publish(self, event: ChatEvent) -> None:
        bus = self._bus()
        if bus is not None:
            bus.publish(event)

    def _desk_touch(self) -> None:
        self.desk_version += 1
        self._desk_changed.set()
        self._desk_changed = asyncio.Event()

    async def take(self, conv: Conversation, username: str) -> None:
        async with conv.lock:
            if conv.state is ChatState.LIVE and conv.agent == username:
                return
            if conv.state is not ChatState.WAITING:
                raise ChatError(409, "this chat is not waiting for an agent")
            conv.state = ChatState.LIVE
            conv.agent = username
            conv.add("system", say(conv.lang, "agent_joined"), "notice")
            await self._suggest(conv)
            self._desk_touch()
            self._publish(ChatTaken(chat_id=conv.id, lang=conv.lang, agent=username))

    async def agent_says(self, conv: Conversation, username: str, text: str) -> None:
        text = self.check_size(text, "fr")
        async with conv.lock:
            if conv.state is not ChatState.LIVE or conv.agent != username:
                raise ChatError(409, "take the chat first")
            message = conv.add("agent", text, "agent")
            conv.unsaved.append((Speaker.AGENT, text, None, message.at))
            await self._save(conv)

    async def close(self, conv: Conversation, username: str) -> None:
        async with conv.lock:
            if conv.agent != username:
                raise ChatError(409, "not your chat")
            await self._end(conv, by_agent=True)

    # --- inside ---
    async def agent_available(self) -> bool:
        """An agent has the desk's chat panel open and is ``available`` at the desk."""
        now = self._clock()
        at, known = self._available
        if now - at < _AVAILABLE_CACHE_S:
            return known
        horizon = self.settings.web_chat_agent_seen_s
        seen = [u for u, t in self._agents_seen.items() if now - t <= horizon]

        def any_available() -> bool:
            return any(self._desk_states.current(u).state == "available" for u in seen)

        known = bool(seen) and await asyncio.to_thread(any_available)
        self._available = (now, known)
        return known

    async def _offers(self) -> tuple[str, ...]:
        agent = ("agent",) if await self.agent_available() else ()
        return (*agent, "callback", "hours")

    def _source(self, lang: str, card_id: str, title: str) -> Source:
        template = self.settings.web_chat_card_url
        url = template.replace("{card_id}", card_id) if template else None
        if url is not None and not url.startswith(("https://", "http://")):
            url = None  # only a web page is linked, never a script
        return Source(card_id, title, url, say(lang, "source", title=title))

    async def _bot(
        self,
        conv: Conversation,
        text: str,
        kind: str,
        *,
        details: str | None = None,
        source: Source | None = None,
        offers: tuple[str, ...] = (),
        card_id: str | None = None,
    ) -> None:
        message = conv.add("bot", text, kind, details=details, source=source, offers=offers)
        conv.unsaved.append((Speaker.BOT, text, card_id, message.at))

    async def _save(self, conv: Conversation) -> None:
        """The exchange's turns (and topic) in the case, in one transaction: one
        commit per visitor message, not one per line."""
        turns, conv.unsaved = conv.unsaved, []
        topic, conv.topic = conv.topic, None
        if turns or topic:
            await asyncio.to_thread(self._write, conv.case_id, turns, topic)

    def _write(self, case_id: str, turns: list[UnsavedTurn], topic: Topic | None) -> None:
        with self._store.session() as session:
            # the case's lock first (as CaseRepository.add_turn): the agent's and the
            # bot's writers take turns, and the numbers follow on
            case = lock_case(session, case_id, utcnow())
            last = session.scalar(select(func.max(CaseTurn.seq)).where(CaseTurn.case_id == case_id))
            for n, (speaker, text, card_id, at) in enumerate(turns, start=(last or 0) + 1):
                session.add(
                    CaseTurn(
                        case_id=case_id,
                        seq=n,
                        speaker=speaker.value,
                        text=text.strip(),
                        at=at,
                        card_id=card_id,
                    )
                )
            if topic is not None:
                case.topic_card_id, case.topic_title, case.service = topic
            session.flush()

    async def _bot_turn(self, conv: Conversation, text: str) -> None:
        if conv.chat.ended:  # after a goodbye the visitor asks again: a fresh dialog
            conv.chat = self._new_chat(conv.lang)
            conv.chat.start()
        written = written_in(text)
        if written is not None and written != conv.lang:
            await self._switch(conv, written, announce=True)
        dialog = conv.chat.dialog
        dialog.config = replace(dialog.config, humans_available=await self.agent_available())
        actions = await asyncio.to_thread(conv.chat.reply, text)
        await self._act(conv, actions)

    async def _switch(self, conv: Conversation, lang: str, *, announce: bool) -> None:
        lang = chat_lang(lang)
        conv.lang = lang
        dialog = conv.chat.dialog
        dialog.restore(replace(dialog.snapshot(), lang=lang))
        await self.cases.set_language(conv.case_id, lang)
        if announce:
            await self._bot(conv, say(lang, "continue_in"), "notice")

    async def _act(self, conv: Conversation, actions: list[Action]) -> None:
        handing_over = any(isinstance(a, Transfer) for a in actions)
        for action in actions:
            if isinstance(action, SwitchLanguage):
                await self._switch(conv, action.lang, announce=False)
            elif isinstance(action, Say):
                await self._say(conv, action, handing_over)
            elif isinstance(action, Transfer):
                await self._to_agent(conv)
            elif isinstance(action, Callback):
                await self._bot(
                    conv, say(conv.lang, "ask_number"), "prompt", offers=("callback_form",)
                )
            elif isinstance(action, Hangup):
                pass  # the dialog said goodbye; a new question starts a new dialog

    async def _say(self, conv: Conversation, action: Say, handing_over: bool) -> None:
        if action.kind == "answer" and action.card_id:
            kb = self._kb()
            card = kb.cards.get(action.card_id) if kb is not None else None
            conv.answered = True
            if card is not None:
                conv.topic = (card.id, card.title, card.service)
            await self._bot(
                conv,
                action.text,
                "answer",
                details=card.details or None if card is not None else None,
                source=self._source(action.lang, card.id, card.title) if card else None,
                card_id=action.card_id,
            )
        elif action.kind == "confirm":
            await self._bot(conv, action.text, "confirm", offers=("yes", "no"))
        elif action.kind == "offer":
            await self._bot(conv, action.text, "offer", offers=await self._offers())
        elif action.kind == "greeting":
            # "English please": greeted again in the chosen language, our words
            if not conv.messages or conv.messages[-1].kind != "greeting":
                await self._bot(conv, say(conv.lang, "greeting", city=""), "greeting")
        elif action.kind == "goodbye":
            await self._bot(conv, say(conv.lang, "goodbye"), "goodbye")
        elif action.kind == "prompt" and handing_over:
            pass  # "I'm putting you through": the hand-over says it in its own words
        else:
            await self._bot(conv, action.text, action.kind)

    async def _to_agent(self, conv: Conversation) -> None:
        conv.handed_over = True
        if await self.agent_available():
            conv.state = ChatState.WAITING
            await self._bot(conv, say(conv.lang, "waiting"), "waiting")
            await self.cases.set_outcome(conv.case_id, Outcome.ESCALATED)
            self._desk_touch()
            self._publish(ChatWaiting(chat_id=conv.id, lang=conv.lang))
            return
        await self._bot(conv, say(conv.lang, "no_agent"), "offer", offers=("callback", "hours"))

    async def _suggest(self, conv: Conversation) -> None:
        """Live assist's cards for the visitor's last lines, for the agent's panel."""
        kb = self._kb()
        if kb is None or conv.state is not ChatState.LIVE:
            return
        lines = [m.text for m in conv.messages if m.author == "visitor"][-_SUGGEST_LINES:]
        hits = await asyncio.to_thread(suggest_cards, kb, " ".join(lines), conv.lang)
        conv.suggestions = hits_json(hits, with_service=False)
        conv.touch()

    async def _end(self, conv: Conversation, *, by_agent: bool) -> None:
        if conv.state is ChatState.ENDED:
            return
        was = conv.state
        conv.state = ChatState.ENDED
        conv.add("system", say(conv.lang, "agent_left" if by_agent else "ended"), "ended")
        await self._save(conv)
        if was in (ChatState.WAITING, ChatState.LIVE):
            self._desk_touch()
            by = "agent" if by_agent else "visitor"
            self._publish(ChatEnded(chat_id=conv.id, lang=conv.lang, agent=conv.agent, by=by))
        case = (await self.cases.get_case(conv.case_id)).case
        if case.outcome == Outcome.CALLBACK:
            pass  # a person still has to call back: the case stays open
        elif was is ChatState.LIVE:
            await self.cases.set_outcome(conv.case_id, Outcome.ANSWERED_BY_RECEPTION)
        elif conv.answered and not conv.handed_over:
            await self.cases.set_outcome(conv.case_id, Outcome.ANSWERED_BY_BOT)
        else:
            await self.cases.set_outcome(conv.case_id, Outcome.ABANDONED)

    async def _expire(self) -> None:
        """Idle conversations end and are dropped (an ended one stays readable by
        its visitor and agent until then: the last message is not lost between polls)."""
        idle = self.settings.web_chat_idle_min * 60.0
        now = self._clock()
        for conv in [c for c in self._by_id.values() if now - c.last_active > idle]:
            async with conv.lock:
                await self._end(conv, by_agent=False)
            self._by_token.pop(conv.token, None)
            self._by_id.pop(conv.id, None)


def _refusal(refused: Refused, lang: str, key: str) -> ChatRefused:
    return ChatRefused(429, say(lang, key, s=refused.retry_after_s), refused.retry_after_s)


def _when(due_by: datetime, tz: ZoneInfo, lang: str) -> str:
    return spoken_date(due_by, tz, lang, style="written")
