"""Cards for a person at the desk (live assist, manual search): the top cards for
what the caller said so far, each with a confidence and why it matched, and whether
any is reliable (the operating point, as for the voicebot).

The top card's confidence is the calibrated probability of :meth:`KnowledgeBase.answer`;
the cards after it get that probability scaled by their share of the fused retrieval
score (the calibrator only scores the top card): an ordering cue, never above the top.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from knowledge.base import KnowledgeBase
from knowledge.cards import Card

__all__ = ["CardHit", "CardHits", "Lookup", "Suggest", "cards_for", "suggest_cards"]

# words too common to say why a card matched
_STOP_WORDS = """
alors avec bonjour comment dans des est faire faut il je les mairie mais mon oui pour
quand que quel quelle quels qui sont sur une vous votre what when where how the and
for with this that have want need please hello
"""
_STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class CardHit:
    card_id: str
    title: str
    confidence: float
    why: str  # the matched terms and the card question nearest the words
    answer: str  # the card's spoken answer, to read out
    service: str


@dataclass(frozen=True)
class CardHits:
    query: str
    cards: tuple[CardHit, ...]
    reliable: bool  # the top card reaches the operating point


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(_fold(text)) if len(w) >= 4 and w not in _STOP}


def _why(query_terms: set[str], card: Card) -> str:
    card_terms = _terms(" ".join((card.title, *card.questions, *card.tags)))
    matched = sorted(query_terms & card_terms)
    nearest = max(card.questions, key=lambda q: len(_terms(q) & query_terms), default="")
    parts = []
    if matched:
        parts.append("termes : " + ", ".join(matched[:6]))
    if nearest and _terms(nearest) & query_terms:
        parts.append(f"question : « {nearest} »")
    return " · ".join(parts) or "sens proche (pas de mot commun)"


def suggest_cards(kb: KnowledgeBase, text: str, lang: str = "fr", top: int = 3) -> CardHits:
    """Up to ``top`` cards for ``text``; synchronous CPU work (run it in an executor)."""
    query = " ".join(text.split())
    if not query:
        return CardHits(query, (), False)
    answer = kb.answer(query, lang, top_k=max(top, 3))
    candidates = answer.candidates[:top]
    if not candidates:
        return CardHits(query, (), False)
    best = candidates[0].score or 1.0
    query_terms = _terms(query)
    hits = []
    for i, candidate in enumerate(candidates):
        card = kb.cards[candidate.card_id]
        share = 1.0 if i == 0 else max(0.0, min(1.0, candidate.score / best))
        hits.append(
            CardHit(
                card_id=card.id,
                title=card.title,
                confidence=round(answer.confidence * share, 4),
                why=_why(query_terms, card),
                answer=card.answer,
                service=card.service,
            )
        )
    reliable = not answer.abstained and not answer.to_confirm
    return CardHits(query, tuple(hits), reliable)


Suggest = Callable[[str, str], CardHits]  # (text, lang) -> cards; blocking


@dataclass(frozen=True)
class Lookup:
    hits: CardHits
    # the newest line alone was enough: it starts a topic (the lines before it are
    # no context for the lines after it)
    alone: bool


def cards_for(suggest: Suggest, context: Sequence[str], newest: str, lang: str) -> Lookup:
    """The cards for the caller's ``newest`` line: the newest line decides (blocking
    CPU work: run it in an executor).

    A caller moves from topic to topic; the cards of their last lines joined are a mix
    of the old topic and the new one. So the newest line is looked up alone first, and
    when the knowledge base is confident on it by its own rule (``reliable``: the top
    card reaches the operating point, as for the voicebot) those are the cards."""
    alone = suggest(newest, lang)
    if alone.reliable or not context:
        return Lookup(alone, alone.reliable)
    # Not confident on the newest line alone: it is likely not a question on its own
    # (a follow-up, or the end of a sentence cut by a pause), so its meaning comes
    # from what the caller said just before. Those cards are used even when they are
    # not confident either: the event says so (``reliable``) and the agent judges.
    return Lookup(suggest(" ".join((*context, newest)), lang), False)
