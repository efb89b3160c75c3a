"""The caller's language, judged from evidence: pure, typed, no I/O.

A French caller who says "Oui ?", "Allô ?" or "OK" must not be locked into English
because Whisper scored a word or two as English (it does: "We.", "Hello.", "Okay.").
So the call keeps its language (the flow's default, or the one already decided) until
there is real evidence for the other:

- the caller's **choice**, by key (the dialog's ``language_key``) or by words ("English",
  "anglais", "en français", "French please": :func:`voicebot.intents.language_choice`):
  at once, in the dialog;
- or **enough speech with a clear margin** (:class:`LanguageJudge`): one utterance
  (a turn, with the parts the caller resumed after a short pause) that Whisper scores
  as the other language with ``p ≥ min_prob`` (fr vs en, renormalised over the two),
  with at least ``min_words`` words and ``min_speech_s`` seconds of speech. Openers and
  fillers ("oui", "allô", "bonjour", "hello", "okay"…) are not counted as words: short
  words never decide. Short turns do not add up either: Whisper makes words of a short
  French "Allô oui ?" ("Anne-le-le", p(en) 0.99), and two of them would make a sentence.

The same rule confirms the current language (the call's language becomes *known*)
and undoes a wrong switch: a French sentence after a switch to English brings the
call back to French.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from guichet.text import fold
from voicebot.frames import Lang

__all__ = [
    "FILLERS",
    "HeardTurn",
    "LanguageJudge",
    "LanguageRules",
    "LanguageScores",
    "counted_words",
]

# Openers, fillers, courtesy and yes/no words of a phone call (folded), in French and
# English, and the English words Whisper makes of short French ones ("Oui" → "We",
# "Allô" → "Hello", "Merci" → "Mercy"). They say nothing about the caller's language.
FILLERS: Final = frozenset(
    {
        # French
        "oui", "ouais", "non", "allo", "alo", "bonjour", "bonsoir", "salut", "ok", "okay",
        "d'accord", "merci", "euh", "heu", "hum", "hm", "ben", "bah", "bon", "alors",
        "voila", "madame", "monsieur", "mademoiselle", "eh", "oh", "ah", "ha", "hein",
        # English
        "hello", "hallo", "hi", "hey", "yes", "yeah", "yep", "no", "nope", "we",
        "well", "so", "um", "uh", "er", "erm", "hmm", "mm", "good", "morning",
        "afternoon", "evening", "thanks", "thank", "mercy", "madam", "sir", "mister",
        "right", "sure",
    }
)  # fmt: skip

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text.replace("’", "'")))


def counted_words(text: str) -> int:
    """The words of ``text`` that count as evidence of a language (fillers left out)."""
    return sum(1 for word in _words(text) if word not in FILLERS)


# --- the evidence of speech ---
@dataclass(frozen=True)
class LanguageScores:
    """Whisper's language probabilities for one utterance, French against English."""

    fr: float
    en: float

    def p(self, lang: Lang) -> float:
        """The probability of ``lang``, renormalised over French and English."""
        total = self.fr + self.en
        if total <= 0:
            return 0.5
        return (self.fr if lang == "fr" else self.en) / total

    @property
    def likely(self) -> Lang:
        return "en" if self.en > self.fr else "fr"


@dataclass(frozen=True)
class HeardTurn:
    """What the judge hears of one understood caller turn."""

    text: str
    speech_s: float  # seconds of speech (the VAD's span of the turn)
    scores: LanguageScores


@dataclass(frozen=True)
class LanguageRules:
    """What it takes to decide a language from speech (settings ``language_*``)."""

    min_words: int = 3  # words in the utterance, openers and fillers not counted
    min_speech_s: float = 1.0  # seconds of speech in it
    min_prob: float = 0.8  # p(language), fr vs en, Whisper gives it
    # Whisper's own (not renormalised) probability of that language: noise or another
    # language scores both French and English near zero (a hiss: fr 0.003, en 0.02,
    # "0.9 English" once renormalised), real speech scores one of them well (0.64-0.99)
    min_raw_prob: float = 0.5

    def __post_init__(self) -> None:
        if self.min_words < 1 or self.min_speech_s < 0 or not 0.5 < self.min_prob <= 1:
            raise ValueError(f"invalid language rules: {self}")


@dataclass(frozen=True)
class LanguageJudge:
    """The call's language (an immutable value).

    ``lang``: what the call listens and speaks in; ``known``: decided by evidence (or
    given, or chosen), not just the default."""

    lang: Lang
    known: bool = False
    rules: LanguageRules = LanguageRules()

    def chosen(self, lang: Lang) -> LanguageJudge:
        """The caller chose ``lang`` (a key, a word): decided at once."""
        return replace(self, lang=lang, known=True)

    def evidence(self, utterance: HeardTurn) -> Lang | None:
        """The language ``utterance`` is evidence of, if it is enough to decide."""
        rules = self.rules
        likely = utterance.scores.likely
        if (
            counted_words(utterance.text) >= rules.min_words
            and utterance.speech_s >= rules.min_speech_s
            and utterance.scores.p(likely) >= rules.min_prob
            and max(utterance.scores.fr, utterance.scores.en) >= rules.min_raw_prob
        ):
            return likely
        return None

    def hear(self, utterance: HeardTurn) -> LanguageJudge:
        """The judge after one more understood utterance: the language it is evidence
        of (the same, now known, or the other), or unchanged."""
        lang = self.evidence(utterance)
        return self if lang is None else replace(self, lang=lang, known=True)
