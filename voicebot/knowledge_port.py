"""What the voicebot needs from ``knowledge/`` (a Protocol), the real adapter, and a fake."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from guichet.settings import Settings


class KnowledgeAnswer(Protocol):
    @property
    def abstained(self) -> bool: ...
    @property
    def card_id(self) -> str | None: ...
    @property
    def confidence(self) -> float: ...
    @property
    def answer(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def service(self) -> str | None: ...


class Knowledge(Protocol):
    """Synchronous and thread-safe: the pipeline calls it in an executor."""

    def answer(self, question: str, lang: str) -> KnowledgeAnswer: ...


@dataclass(frozen=True)
class SimpleAnswer:
    abstained: bool
    card_id: str | None = None
    confidence: float = 0.0
    answer: str | None = None
    title: str | None = None
    service: str | None = None
    card_lang: str | None = None


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


@dataclass(frozen=True)
class FakeCard:
    card_id: str
    title: str
    answer: str
    keywords: tuple[str, ...]
    service: str = "accueil"
    confidence: float = 0.9


class FakeKnowledge:
    """Keyword matching over a few cards: for unit tests of the dialog and pipeline."""

    def __init__(self, cards: Sequence[FakeCard]) -> None:
        self.cards = list(cards)
        self.questions: list[tuple[str, str]] = []

    def answer(self, question: str, lang: str) -> SimpleAnswer:
        self.questions.append((question, lang))
        words = set(re.findall(r"\w+", _fold(question)))
        best: tuple[int, FakeCard] | None = None
        for card in self.cards:
            hits = sum(1 for k in card.keywords if _fold(k) in words)
            if hits and (best is None or hits > best[0]):
                best = (hits, card)
        if best is None:
            return SimpleAnswer(abstained=True)
        card = best[1]
        return SimpleAnswer(
            False, card.card_id, card.confidence, card.answer, card.title, card.service, lang
        )


def open_knowledge(index_path: Path, settings: Settings) -> Knowledge:
    """The real knowledge base (``knowledge.KnowledgeBase``), opened once per process."""
    from knowledge.base import KnowledgeBase  # noqa: PLC0415 - heavy, lazy

    kb: Knowledge = KnowledgeBase.open(index_path, settings)
    return kb
