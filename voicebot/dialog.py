"""The conversation, independent of audio: a pure state machine.

``Dialog.handle(event) -> list[Action]``. Events: :class:`Start`, :class:`Utterance`
(text + lang), :class:`KnowledgeResult`, :class:`Dtmf`, :class:`SilenceTimeout`,
:class:`CallerHangup`. Actions: :class:`Say`, :class:`Lookup` (the runner asks the
knowledge base, off the event loop, and feeds back a :class:`KnowledgeResult`),
:class:`Transfer`, :class:`Callback`, :class:`Hangup`. The voice pipeline and the
text chatbot both run it. The state is an immutable value: ``snapshot``/``restore``
let the pipeline replay a turn when the caller resumes after a short pause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from voicebot.frames import Lang
from voicebot.intents import (
    Intent,
    IntentContext,
    classify,
    ends_with_farewell,
    language_choice,
    other_language,
)
from voicebot.knowledge_port import KnowledgeAnswer


# --- events ---
@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Utterance:
    text: str
    lang: Lang  # the language the text was heard in
    # the caller's speech changed the call's language to ``lang`` with this utterance
    # (voicebot.language): the dialog follows and says so once. Without it, the
    # dialog keeps its language (a turn heard before a choice is still answered).
    switch: bool = False


@dataclass(frozen=True)
class KnowledgeResult:
    question: str
    answer: KnowledgeAnswer
    lang: Lang


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class SilenceTimeout:
    pass


@dataclass(frozen=True)
class CallerHangup:
    pass


Event = Start | Utterance | KnowledgeResult | Dtmf | SilenceTimeout | CallerHangup


# --- actions ---
SayKind = Literal[
    "greeting", "answer", "confirm", "abstain", "offer", "prompt", "repeat", "goodbye", "listening"
]


@dataclass(frozen=True)
class Say:
    text: str
    lang: Lang
    kind: SayKind
    card_id: str | None = None


@dataclass(frozen=True)
class Lookup:
    question: str
    lang: Lang


@dataclass(frozen=True)
class Transfer:
    service: str | None
    reason: str


@dataclass(frozen=True)
class Callback:
    service: str | None
    reason: str


@dataclass(frozen=True)
class Hangup:
    reason: str


@dataclass(frozen=True)
class SwitchLanguage:
    """The caller chose the other language (a key or a word): speak and listen in it."""

    lang: Lang


Action = Say | Lookup | Transfer | Callback | Hangup | SwitchLanguage

Phase = Literal["start", "listening", "looking_up", "confirming", "offering", "ended"]


@dataclass(frozen=True)
class DialogConfig:
    humans_available: bool = False  # opening hours: agents can take a transfer
    max_turns: int = 10
    max_silences: int = 2
    city: str = "la mairie"
    # on a live call the controller confirms the number and books before anything
    # says "booked": the dialog then only hands the callback over
    confirm_callback: bool = False
    # "For English, press 2 or say English" (the call flow's language choice; the
    # words are voicebot.intents.language_choice's)
    language_key: str | None = "2"
    # the call flow's privacy notice per language ("this call is handled by an
    # assistant and transcribed; more on the city's website"), said with the greeting.
    # It comes from the flow (ivr_flows ``Flow.privacy_notices``), never from here:
    # empty, the greeting has none. Left out of the hash: a dict has none.
    notice: Mapping[Lang, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Pending:
    card_id: str | None
    title: str | None
    answer: str | None
    service: str | None
    lang: Lang


@dataclass(frozen=True)
class DialogState:
    phase: Phase = "start"
    lang: Lang = "fr"
    turns: int = 0
    silences: int = 0
    last_said: tuple[Say, ...] = ()
    pending: Pending | None = None
    offer: Literal["human", "callback"] | None = None
    service: str | None = None
    # after a plain "no" the bot asks once "anything else?"; a second "no" ends the call
    asked_more: bool = False
    # a "no" to "do you mean <title>?" asks to rephrase once; a second one abstains
    rephrased: bool = False
    # the caller's question ended with a farewell ("… merci, au revoir"): once answered,
    # the call ends (an abstention still offers a person: the caller has no answer yet)
    leaving: bool = False


MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "greeting": "Bonjour, vous êtes bien à la mairie. Je suis l'assistant vocal. "
        "Posez-moi votre question.",
        "greeting_human": " Pour parler à un conseiller, dites conseiller ou tapez zéro.",
        "greeting_callback": " Vous pouvez aussi demander à être rappelé.",
        "more": "Avez-vous une autre question ?",
        "confirm": "Vous parlez bien de : {title} ?",
        "rephrase": "D'accord. Pouvez-vous reformuler votre question ?",
        "abstain": "Je suis désolé, je n'ai pas de réponse fiable à cette question.",
        "offer_human": "Voulez-vous que je vous passe un conseiller ?",
        "offer_callback": "Voulez-vous qu'un agent de la mairie vous rappelle ?",
        "transfer": "Je vous passe un conseiller, merci de patienter.",
        "callback": "C'est noté : un agent de la mairie vous rappellera. Au revoir.",
        "no_offer": "D'accord. Avez-vous une autre question ?",
        "not_heard": "Je n'ai pas bien entendu. Pouvez-vous répéter votre question ?",
        "still_there": "Êtes-vous toujours là ? Posez votre question, ou tapez zéro "
        "pour parler à une personne.",
        "still_there_callback": "Êtes-vous toujours là ? Posez votre question, ou tapez zéro "
        "pour être rappelé.",
        "listening": "Je vous écoute.",
        "goodbye": "Merci de votre appel. Au revoir !",
        "silence_goodbye": "Je n'entends plus rien. Merci de votre appel, au revoir.",
        "max_turns": "Je vous remercie pour toutes ces questions.",
        "nothing_to_repeat": "Je n'ai encore rien dit. Posez-moi votre question.",
        "anything_else": "Y a-t-il autre chose ?",
        "continue_in": "Je continue en français.",
        "other_language": "Je ne peux vous répondre qu'en français ou en anglais.",
    },
    "en": {
        "greeting": "Hello, you have reached the city hall. I am the voice assistant. "
        "Please ask your question.",
        "greeting_human": " To speak to an agent, say agent or press zero.",
        "greeting_callback": " You can also ask to be called back.",
        "more": "Do you have another question?",
        "confirm": "Do you mean: {title}?",
        "rephrase": "All right. Could you rephrase your question?",
        "abstain": "I'm sorry, I don't have a reliable answer to that question.",
        "offer_human": "Would you like me to put you through to an agent?",
        "offer_callback": "Would you like a city hall agent to call you back?",
        "transfer": "I'm putting you through to an agent, please hold.",
        "callback": "Noted: a city hall agent will call you back. Goodbye.",
        "no_offer": "All right. Do you have another question?",
        "not_heard": "I didn't quite catch that. Could you repeat your question?",
        "still_there": "Are you still there? Ask your question, or press zero "
        "to speak to a person.",
        "still_there_callback": "Are you still there? Ask your question, or press zero "
        "to be called back.",
        "listening": "I'm listening.",
        "goodbye": "Thank you for calling. Goodbye!",
        "silence_goodbye": "I can't hear you any more. Thank you for calling, goodbye.",
        "max_turns": "Thank you for all your questions.",
        "nothing_to_repeat": "I haven't said anything yet. Please ask your question.",
        "anything_else": "Is there anything else?",
        "continue_in": "I'll continue in English.",
        "other_language": "I can only answer in English or in French.",
    },
}


class Dialog:
    """One conversation. Not thread-safe; cheap; no I/O."""

    def __init__(self, config: DialogConfig | None = None, lang: Lang = "fr") -> None:
        self.config = config or DialogConfig()
        self.state = DialogState(lang=lang)

    # --- snapshots (for turn replay) ---
    def snapshot(self) -> DialogState:
        return self.state

    def restore(self, state: DialogState) -> None:
        self.state = state

    @property
    def ended(self) -> bool:
        return self.state.phase == "ended"

    # --- helpers ---
    def _m(self, key: str, lang: Lang | None = None) -> str:
        return MESSAGES[lang or self.state.lang][key]

    def _say(self, key: str, kind: SayKind, lang: Lang | None = None, **fmt: str) -> Say:
        return Say(self._m(key, lang).format(**fmt), lang or self.state.lang, kind)

    def _speak(self, actions: list[Action], **changes: object) -> list[Action]:
        said = tuple(a for a in actions if isinstance(a, Say))
        new = replace(self.state, **changes)  # type: ignore[arg-type]
        if said:
            new = replace(new, last_said=said)
        self.state = new
        return actions

    def _offer(self, service: str | None) -> list[Action]:
        offer: Literal["human", "callback"] = (
            "human" if self.config.humans_available else "callback"
        )
        key = "offer_human" if offer == "human" else "offer_callback"
        return self._speak(
            [self._say(key, "offer")], phase="offering", offer=offer, service=service
        )

    def _to_human(self, reason: str) -> list[Action]:
        if self.config.humans_available:
            return self._speak(
                [self._say("transfer", "prompt"), Transfer(self.state.service, reason)],
                phase="ended",
            )
        return self._offer(self.state.service)

    def _accept_offer(self) -> list[Action]:
        if self.state.offer == "human":
            return self._speak(
                [self._say("transfer", "prompt"), Transfer(self.state.service, "caller accepted")],
                phase="ended",
            )
        if self.config.confirm_callback:
            return self._speak([Callback(self.state.service, "caller accepted")], phase="ended")
        return self._speak(
            [
                self._say("callback", "goodbye"),
                Callback(self.state.service, "caller accepted"),
                Hangup("callback booked"),
            ],
            phase="ended",
        )

    def _goodbye(self, key: str = "goodbye", reason: str = "goodbye") -> list[Action]:
        return self._speak([self._say(key, "goodbye"), Hangup(reason)], phase="ended")

    def _repeat(self) -> list[Action]:
        if not self.state.last_said:
            return self._speak([self._say("nothing_to_repeat", "repeat")])
        again = [replace(s, kind="repeat") for s in self.state.last_said]
        return list(again)

    def _question(self, text: str, lang: Lang) -> list[Action]:
        if self.state.turns >= self.config.max_turns:
            actions: list[Action] = [self._say("max_turns", "prompt")]
            if self.config.humans_available:
                return self._speak(
                    [*actions, self._say("offer_human", "offer")], phase="offering", offer="human"
                )
            return self._speak(actions + self._goodbye("goodbye", "max turns"))
        # looked up in the language it was heard in; the dialog's language changes
        # only by the caller's choice or their speech (``Utterance.switch``)
        self.state = replace(
            self.state,
            phase="looking_up",
            turns=self.state.turns + 1,
            silences=0,
            asked_more=False,
            leaving=ends_with_farewell(text, lang),
        )
        return [Lookup(text, lang)]

    # --- the machine ---
    def handle(self, event: Event) -> list[Action]:
        state = self.state
        if state.phase == "ended":
            return []
        if isinstance(event, CallerHangup):
            self.state = replace(state, phase="ended")
            return []
        if isinstance(event, Start):
            actions: list[Action] = list(self._greeting(state.lang))
            if state.lang == "fr" and self.config.language_key:
                hint = f"For English, press {self.config.language_key}, or say English."
                actions.append(Say(hint, "en", "greeting"))
            return self._speak(actions, phase="listening")
        if isinstance(event, SilenceTimeout):
            silences = state.silences + 1
            if silences > self.config.max_silences:
                return self._goodbye("silence_goodbye", "silence")
            key = "still_there" if self.config.humans_available else "still_there_callback"
            return self._speak([self._say(key, "prompt")], silences=silences)
        if isinstance(event, Dtmf):
            return self._dtmf(event.digit)
        if isinstance(event, KnowledgeResult):
            return self._result(event)
        return self._utterance(event)

    def _greeting(self, lang: Lang) -> list[Say]:
        more = "greeting_human" if self.config.humans_available else "greeting_callback"
        greeting = [Say(self._m("greeting", lang) + self._m(more, lang), lang, "greeting")]
        # the flow's privacy notice: after the invitation to ask, so that the caller
        # hears within seconds that they may speak; and a Say of its own, so that the
        # greeting is recorded as said even when the caller speaks over the notice
        notice = self.config.notice.get(lang, "").strip()
        return [*greeting, Say(notice, lang, "greeting")] if notice else greeting

    def _switch_language(self, lang: Lang) -> list[Action]:
        """The caller chose ``lang`` (a key, words): greeted again in it, from the start."""
        self.state = replace(self.state, lang=lang)
        return self._speak(
            [SwitchLanguage(lang), *self._greeting(lang)],
            phase="listening",
            pending=None,
            offer=None,
        )

    def _dtmf(self, digit: str) -> list[Action]:
        if (
            digit == self.config.language_key
            and self.state.lang == "fr"
            and self.state.phase == "listening"
        ):
            return self._switch_language("en")
        if digit == "0":
            return self._to_human("dtmf 0")
        if digit == "*":
            return self._repeat()
        if self.state.phase in ("confirming", "offering") and digit in ("1", "2"):
            return self._utterance(Utterance("oui" if digit == "1" else "non", self.state.lang))
        return []

    def _result(self, event: KnowledgeResult) -> list[Action]:
        answer = event.answer
        lang = event.lang
        service = answer.service
        if answer.abstained or not answer.answer:
            self.state = replace(self.state, service=service, rephrased=False, leaving=False)
            offer = self._offer(service)
            return self._speak([self._say("abstain", "abstain", lang), *offer])
        raw_lang = getattr(answer, "card_lang", None)
        card_lang: Lang = "en" if raw_lang == "en" else "fr" if raw_lang == "fr" else lang
        pending = Pending(answer.card_id, answer.title, answer.answer, service, card_lang)
        # the knowledge base's confirm band (kb_confirm_from ≤ confidence < operating
        # point): likely, not sure; the caller says whether it is their topic
        if answer.to_confirm and answer.title:
            return self._speak(
                [self._say("confirm", "confirm", lang, title=answer.title)],
                phase="confirming",
                pending=pending,
                service=service,
            )
        return self._give(pending)

    def _give(self, pending: Pending) -> list[Action]:
        if self.state.leaving:  # "… merci, au revoir": answered, then goodbye
            return self._speak(
                [
                    Say(pending.answer or "", pending.lang, "answer", pending.card_id),
                    self._say("goodbye", "goodbye"),
                    Hangup("goodbye after the answer"),
                ],
                phase="ended",
                pending=None,
            )
        return self._speak(
            [
                Say(pending.answer or "", pending.lang, "answer", pending.card_id),
                self._say("more", "prompt"),
            ],
            phase="listening",
            pending=None,
            offer=None,
            service=pending.service,
            rephrased=False,
        )

    def _utterance(self, event: Utterance) -> list[Action]:
        # the caller's language: asked for by words (heard as French or English), or
        # judged from their speech (said once, then the turn is answered in it)
        chosen = language_choice(event.text, event.lang)
        if chosen is not None and chosen != self.state.lang:
            return self._switch_language(chosen)
        if chosen is not None:  # the language it speaks already: now known
            return self._speak([SwitchLanguage(chosen), self._say("listening", "listening")])
        if event.switch and event.lang != self.state.lang:
            self.state = replace(self.state, lang=event.lang)
            return [self._say("continue_in", "prompt"), *self._reply(event)]
        return self._reply(event)

    def _context(self) -> IntentContext:
        """What the bot asked just before: how the caller's words are read."""
        if self.state.phase == "confirming" and self.state.pending is not None:
            return "after_confirm"
        if self.state.phase == "offering":
            return "after_offer"
        return "greeting" if self.state.turns == 0 else "after_answer"

    def _reply(self, event: Utterance) -> list[Action]:
        state = self.state
        intent: Intent = classify(event.text, event.lang, self._context())
        if intent == "empty":
            if state.phase in ("confirming", "offering"):
                return self._repeat()  # the yes/no question again
            return self._speak([self._say("not_heard", "prompt")])
        if intent == "repeat":
            return self._repeat()
        if state.phase == "confirming" and state.pending is not None:
            if intent == "yes":
                return self._give(state.pending)
            if intent == "no":
                return self._not_this_card(state)
            if intent == "question":  # "non, c'est pour le passeport": the rephrasing
                self.state = replace(state, pending=None, rephrased=True)
        if state.phase == "offering":
            if intent in ("yes", "person"):  # "oui", "un conseiller s'il vous plaît"
                return self._accept_offer()
            if intent == "no":
                return self._speak([self._say("no_offer", "prompt")], phase="listening", offer=None)
        if intent == "person":
            return self._to_human("caller asked")
        if intent == "goodbye":
            return self._goodbye()
        if intent == "no" and state.turns > 0:
            # a plain "no" after an answer: asked once whether there is anything else
            if state.asked_more:
                return self._goodbye()
            return self._speak(
                [self._say("anything_else", "prompt")], phase="listening", asked_more=True
            )
        if intent == "language" and other_language(event.text, event.lang):
            # "español por favor": the two languages it speaks
            return self._speak([self._say("other_language", "prompt")], phase="listening")
        if intent in ("yes", "no", "language"):
            return self._speak([self._say("listening", "listening")], phase="listening")
        return self._question(event.text, event.lang)

    def _not_this_card(self, state: DialogState) -> list[Action]:
        """A "no" to "do you mean <title>?": rephrase once, then the usual abstention."""
        if not state.rephrased:
            return self._speak(
                [self._say("rephrase", "prompt")], phase="listening", pending=None, rephrased=True
            )
        service = state.pending.service if state.pending else state.service
        self.state = replace(state, pending=None, rephrased=False, service=service)
        return self._speak([self._say("abstain", "abstain"), *self._offer(service)])
