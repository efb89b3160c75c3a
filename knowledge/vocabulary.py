"""The KB's own words, for speech recognition: a short prompt per language.

Whisper transcribes far better the words it was primed with, and a city's words are
its own: its name, its streets and places, the names of its services and of what its
cards talk about. This derives that prompt from the ingested cards instead of a list
written for one demo commune, so another city's "Pré-Long" or "jardins familiaux"
gets recognised too.

The prompt is deterministic (the same cards give the same text), and bounded: Whisper
accepts ~224 prompt tokens and our engine keeps the first 100, so ``MAX_CHARS`` (about
80-100 tokens of French) keeps it well under both. What comes first matters most:
place names (the words ASR gets wrong most), then the terms the most cards share.

The French cards' topic terms are not put into the English prompt, though English callers
in a French town say them: measured on the development communes by voice, a list of
French words makes Whisper drift into French on English speech ("Witch n'est-à-dire
hanterling"), which cost more English questions than the French words won. (Saying
"mairie" in the English greeting helped one commune and cost another a question: noise,
not kept.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from guichet.text import fold
from knowledge.cards import LANGS, Card
from knowledge.index import Manifest

MAX_CHARS = 300
MAX_NAMES = 8
LEAD = {
    "fr": "Bonjour, vous êtes à la mairie.",
    "en": "Hello, this is the town hall.",
}
# A capitalised word, hyphenated compounds included ("Saint-Aubin-sur-Loire"), or an
# acronym ("ANTS"). Linking words may join capitalised ones ("Jardin des Plantes").
_CAP = r"(?:[A-ZÀ-ÖØ-Þ][\w’'-]*\w|[A-Z]{2,})"
_LINK = r"(?:de|du|des|la|le|les|sur|sous|en|d'|d’|l'|l’|of|the|on|upon)"
_NAME = re.compile(rf"{_CAP}(?:\s+(?:{_LINK}\s+)?{_CAP})*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*[-*]?\s*|[«\"(]\s*)$")
# Capitalised for grammar or English spelling, not because they are the city's names.
_NOT_NAMES_TEXT = """
    I Est-ce Faut-il Mr Mme M French English European Français Française Européen
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mondays Tuesdays Wednesdays
    Thursdays Fridays Saturdays Sundays January February March April May June July
    August September October November December
    """
_NOT_NAMES = frozenset(fold(w) for w in _NOT_NAMES_TEXT.split())
_TITLE_SPLIT = re.compile(r"\s*(?:[:;,()/–—]|\s-\s|\bet\b|\bou\b|\band\b|\bor\b)\s*")
_WORD = re.compile(r"[\w’'-]+")
MAX_TERM_WORDS = 4


def place_names(cards: Iterable[Card]) -> list[str]:
    """Capitalised names used inside sentences of the cards, most widely used first.

    A capitalised word that the cards also write in lower case ("Écoles" in a list,
    "Journée") is a common word and is left out; so are weekdays and months, which
    English capitalises.
    """
    cards = list(cards)
    lower_words = {
        fold(w) for c in cards for w in _WORD.findall(f"{c.answer} {c.details}") if w.islower()
    }
    seen: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for card in cards:
        text = f"{card.answer}\n{card.details}"
        in_card: set[str] = set()
        for match in _NAME.finditer(text):
            if _SENTENCE_START.search(text[: match.start()]):
                continue  # a capital that starts a sentence says nothing
            name = match.group(0).strip(" '’-")
            key = fold(name)
            if len(name) < 2 or key in _NOT_NAMES or key in lower_words:
                continue
            spelling.setdefault(key, name)
            in_card.add(key)
        seen.update(in_card)
    return [spelling[k] for k, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))]


def _title_terms(title: str) -> list[str]:
    terms = []
    for raw in _TITLE_SPLIT.split(title):
        part = raw.strip(" .?!'’\"")
        if part and len(part.split()) <= MAX_TERM_WORDS:
            first, _, rest = part.partition(" ")
            if first[:1].isupper() and first[1:].islower():  # "Horaires" -> "horaires"
                part = f"{first.lower()} {rest}".strip()
            terms.append(part)
    return terms


def _service_name(service: str, texts: Iterable[str]) -> str | None:
    """The accented spelling of a service slug ("etat-civil" -> "état civil"), found in
    the cards' own text; None when they never spell it out."""
    wanted = service.replace("-", " ")
    n = wanted.count(" ") + 1
    for text in texts:
        words = _WORD.findall(text)
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i : i + n])
            if fold(phrase) == wanted:
                return phrase.lower()
    return None


def topic_terms(cards: Iterable[Card]) -> list[str]:
    """Each card's main terms, in rounds: every card's first tag before any card's
    second one (a card's first tag names its topic), terms shared by more cards first
    within a round. Then the service names and short title parts the same way."""
    cards = sorted(cards, key=lambda c: c.id)
    texts = [t for c in cards for t in (c.title, *c.tags, c.answer)]
    ranked: dict[str, tuple[int, int, int]] = {}
    spelling: dict[str, str] = {}
    df: Counter[str] = Counter()
    per_card: list[list[str]] = []
    for card in cards:
        service = _service_name(card.service, texts)
        terms = [*card.tags, *([service] if service else []), *_title_terms(card.title)]
        keys = list(dict.fromkeys(k for k in (fold(t) for t in terms) if k))
        for term in terms:
            spelling.setdefault(fold(term), term)
        df.update(keys)
        per_card.append(keys)
    for n, keys in enumerate(per_card):
        for position, key in enumerate(keys):
            rank = (position, -df[key], n)
            ranked[key] = min(ranked.get(key, rank), rank)
    return [spelling[k] for k in sorted(ranked, key=lambda k: (ranked[k], k))]


def asr_hints(cards: Iterable[Card], max_chars: int = MAX_CHARS) -> dict[str, str]:
    """One prompt per language: a greeting, the KB's place names (at most
    ``MAX_NAMES``), then its topics in that language, cut at a whole term before
    ``max_chars``."""
    cards = sorted(cards, key=lambda c: c.id)
    hints = {}
    for lang in LANGS:
        own = [c for c in cards if c.lang == lang]
        # Names from the other language's cards too (a place is a place), after the
        # language's own ones.
        names = list(dict.fromkeys([*place_names(own), *place_names(cards)]))[:MAX_NAMES]
        text = LEAD[lang]
        used = {fold(w) for w in _WORD.findall(text)}
        listed: list[str] = []
        for term in [*names, *topic_terms(own)]:
            key = fold(term)
            if key in used:
                continue
            if len(f"{text} {', '.join([*listed, term])}.") > max_chars:
                break
            listed.append(term)
            used.add(key)
        hints[lang] = text + (" " + ", ".join(listed) + "." if listed else "")
    return hints


def index_asr_hints(index_path: Path, max_chars: int = MAX_CHARS) -> dict[str, str]:
    """The prompts for an ingested index (reads its manifest only: no vectors, no
    model). Raises :class:`knowledge.errors.IndexNotFound` when there is none."""
    return asr_hints(Manifest.read(index_path).cards.values(), max_chars)
