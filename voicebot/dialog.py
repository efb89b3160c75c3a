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

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from guichet.text import fold
from voicebot.frames import Lang
from voicebot.knowledge_port import KnowledgeAnswer


# --- events ---
@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Utterance:
    text: str
    lang: Lang


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
    confirm_below: float = 0.6
    city: str = "la mairie"
    # on a live call the controller confirms the number and books before anything
    # says "booked": the dialog then only hands the callback over
    confirm_callback: bool = False
    # "For English, press 2 or say English" (the call flow's language choice)
    language_key: str | None = "2"
    language_words: tuple[str, ...] = ("english", "anglais", "in english")
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
    },
}


def _fold(text: str) -> str:
    """Accent- and case-folded words, apostrophes kept: what the phrase lists match."""
    return " ".join(re.findall(r"[a-z0-9']+", fold(text.replace("’", "'"))))


def _has(folded: str, phrases: tuple[str, ...]) -> bool:
    padded = f" {folded} "
    return any(f" {p} " in padded for p in phrases)


AGENT = (
    "conseiller",
    "conseillere",
    "un agent",
    "agent",
    "humain",
    "une personne",
    "quelqu'un",
    "operateur",
    "operatrice",
    "standardiste",
    "une vraie personne",
    "human",
    "a person",
    "real person",
    "someone",
    "operator",
    "representative",
    "receptionist",
)
REPEAT = (
    "repeter",
    "repetez",
    "repete",
    "repeter s'il vous plait",
    "vous pouvez repeter",
    "pardon",
    "comment",
    "quoi",
    "redites",
    "encore une fois",
    "repeat",
    "say that again",
    "again",
    "sorry",
    "what",
    "pardon me",
    "come again",
)
POLITE = frozenset(
    {
        "s'il",
        "vous",
        "plait",
        "svp",
        "please",
        "pouvez",
        "pourriez",
        "can",
        "could",
        "you",
        "merci",
        "excusez",
        "moi",
        "oui",
        "euh",
    }
)
GOODBYE = (
    "au revoir",
    "c'est tout",
    "merci c'est tout",
    "ce sera tout",
    "rien d'autre",
    "bonne journee",
    "bye",
    "goodbye",
    "good bye",
    "that's all",
    "that is all",
    "nothing else",
    "no more questions",
)
YES = (
    "oui",
    "ouais",
    "exactement",
    "c'est ca",
    "d'accord",
    "tout a fait",
    "absolument",
    "volontiers",
    "bien sur",
    "oui merci",
    "ok",
    "okay",
    "yes",
    "yeah",
    "yep",
    "correct",
    "right",
    "sure",
    "exactly",
    "please",
    "yes please",
)
NO = (
    "non",
    "pas du tout",
    "non merci",
    "pas vraiment",
    "pas ca",
    "negatif",
    "no",
    "nope",
    "not really",
    "no thanks",
    "no thank you",
    "not that",
)


def classify(text: str) -> Literal["agent", "repeat", "goodbye", "yes", "no", "question", "empty"]:
    """Intents understood in French and English (short answers only for yes/no/repeat)."""
    folded = _fold(text)
    if not folded:
        return "empty"
    n_words = len(folded.split())
    if n_words <= 8 and _has(folded, AGENT):
        return "agent"
    # "comment ?" is a request to repeat; "comment faire une carte ?" is a question:
    # only the repeat words themselves (with politeness around them) count
    bare = " ".join(w for w in folded.split() if w not in POLITE)
    if bare and (bare in REPEAT or (len(bare.split()) <= 2 and _has(bare, REPEAT))):
        return "repeat"
    if n_words <= 6 and _has(folded, GOODBYE):
        return "goodbye"
    if n_words <= 4:
        first = folded.split()[0]
        if _has(folded, NO) and (first in ("non", "no", "nope", "pas") or n_words <= 2):
            return "no"
        if _has(folded, YES):
            return "yes"
    return "question"


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
        self.state = replace(
            self.state, phase="looking_up", turns=self.state.turns + 1, silences=0, lang=lang
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

    def _switch_to_english(self) -> list[Action]:
        self.state = replace(self.state, lang="en")
        return self._speak(
            [SwitchLanguage("en"), *self._greeting("en")],
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
            return self._switch_to_english()
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
            self.state = replace(self.state, service=service)
            offer = self._offer(service)
            return self._speak([self._say("abstain", "abstain", lang), *offer])
        raw_lang = getattr(answer, "card_lang", None)
        card_lang: Lang = "en" if raw_lang == "en" else "fr" if raw_lang == "fr" else lang
        pending = Pending(answer.card_id, answer.title, answer.answer, service, card_lang)
        if answer.confidence < self.config.confirm_below and answer.title:
            return self._speak(
                [self._say("confirm", "confirm", lang, title=answer.title)],
                phase="confirming",
                pending=pending,
                service=service,
            )
        return self._give(pending)

    def _give(self, pending: Pending) -> list[Action]:
        return self._speak(
            [
                Say(pending.answer or "", pending.lang, "answer", pending.card_id),
                self._say("more", "prompt"),
            ],
            phase="listening",
            pending=None,
            offer=None,
            service=pending.service,
        )

    def _utterance(self, event: Utterance) -> list[Action]:
        # "English" as the first words, heard as French or English: the language choice
        first = self.state.lang == "fr" and self.state.turns == 0
        if first and _fold(event.text) in self.config.language_words:
            return self._switch_to_english()
        if event.lang != self.state.lang:  # the caller's language wins
            self.state = replace(self.state, lang=event.lang)
        state = self.state
        intent = classify(event.text)
        if intent == "empty":
            return self._speak([self._say("not_heard", "prompt")])
        if intent == "agent":
            return self._to_human("caller asked")
        if intent == "repeat":
            return self._repeat()
        if state.phase == "confirming" and state.pending is not None:
            if intent == "yes":
                return self._give(state.pending)
            if intent == "no":
                return self._speak(
                    [self._say("rephrase", "prompt")], phase="listening", pending=None
                )
        if state.phase == "offering":
            if intent == "yes":
                return self._accept_offer()
            if intent == "no":
                return self._speak([self._say("no_offer", "prompt")], phase="listening", offer=None)
        if intent == "goodbye":
            return self._goodbye()
        if intent == "no" and state.turns > 0:
            return self._goodbye()
        if intent in ("yes", "no"):
            return self._speak([self._say("listening", "listening")], phase="listening")
        return self._question(event.text, event.lang)
