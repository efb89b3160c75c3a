"""What the voicebot needs from ``knowledge/`` (a Protocol) and the real adapter."""

from __future__ import annotations

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
    @property
    def to_confirm(self) -> bool:
        """Likely but not sure (the confirm band): ask "do you mean <title>?" first."""
        ...


class Knowledge(Protocol):
    """Synchronous and thread-safe: the pipeline calls it in an executor."""

    def answer(self, question: str, lang: str) -> KnowledgeAnswer: ...


@dataclass(frozen=True)
class SimpleAnswer:
    """An answer made without the knowledge base (no index yet, a failed lookup)."""

    abstained: bool
    card_id: str | None = None
    confidence: float = 0.0
    answer: str | None = None
    title: str | None = None
    service: str | None = None
    card_lang: str | None = None
    to_confirm: bool = False


def open_knowledge(index_path: Path, settings: Settings) -> Knowledge:
    """The real knowledge base (``knowledge.KnowledgeBase``), opened once per process."""
    from knowledge import KnowledgeBase  # noqa: PLC0415 - heavy (index, embedder): lazy

    kb: Knowledge = KnowledgeBase.open(index_path, settings)
    return kb
