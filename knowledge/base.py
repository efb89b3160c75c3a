"""The in-process API: open an index once, answer many questions from any thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from guichet.settings import Settings
from knowledge.adapter import load_query_adapter
from knowledge.calibration import Calibrator, load_calibrator
from knowledge.cards import LANGS, Card
from knowledge.embeddings import get_embedder
from knowledge.errors import KnowledgeError
from knowledge.index import Manifest, chroma_collection
from knowledge.retrieve import Retriever, features


@dataclass(frozen=True)
class Suggestion:
    card_id: str
    score: float  # the fused retrieval score (for ranking, not a probability)
    title: str


@dataclass(frozen=True)
class Answer:
    question: str
    lang: str  # the caller's language
    abstained: bool
    confidence: float  # calibrated probability that the top card is the right one
    card_id: str | None  # None when abstained
    title: str | None
    service: str | None  # who to put the caller through to (also a hint when abstained)
    answer: str | None  # the card's first paragraph: what to say
    details: str | None
    card_lang: str | None  # may differ from ``lang``: a topic may exist in French only
    candidates: tuple[Suggestion, ...]
    # in the confirm band (``kb_confirm_from`` ≤ confidence < ``kb_operating_point``):
    # the card is likely but not sure; the bot asks "do you mean <title>?" before
    # saying it. The card's fields are filled and ``abstained`` is False.
    to_confirm: bool = False

    @property
    def score(self) -> float:
        return self.confidence

    def to_json(self) -> dict[str, Any]:
        """The ``kb ask --json`` line: a stable contract."""
        return {
            "q": self.question,
            "abstained": self.abstained,
            "card_id": self.card_id,
            "score": round(self.confidence, 4),
            "answer": self.answer,
            "lang": self.lang,
            "title": self.title,
            "service": self.service,
            "card_lang": self.card_lang,
            "to_confirm": self.to_confirm,
            "candidates": [
                {"card_id": s.card_id, "score": round(s.score, 4), "title": s.title}
                for s in self.candidates
            ],
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class KnowledgeBase:
    """Load with :meth:`open`; :meth:`answer` is synchronous (~10-20 ms of CPU, mostly
    the query embedding) and thread-safe: async callers run it in an executor."""

    def __init__(
        self,
        retriever: Retriever,
        calibrator: Calibrator,
        operating_point: float,
        confirm_from: float | None = None,
        operating_point_by_lang: Mapping[str, float] | None = None,
    ) -> None:
        self.retriever = retriever
        self.calibrator = calibrator
        self.operating_point = operating_point
        # a language whose questions are less reliably ranked (English ones meet French
        # cards) answers from a higher point; the others from ``operating_point``
        self.operating_point_by_lang = dict(operating_point_by_lang or {})
        # the confirm band's floor; None: no band (answer or abstain, as before)
        self.confirm_from = confirm_from

    @classmethod
    def open(
        cls, index_path: Path, settings: Settings, calibrator: Calibrator | None = None
    ) -> KnowledgeBase:
        manifest = Manifest.read(index_path)
        if manifest.embedder != get_embedder(settings.kb_embedding_model).info.name:
            raise KnowledgeError(
                f"{index_path} was embedded with {manifest.embedder}; "
                f"re-run `guichet kb ingest` for {settings.kb_embedding_model}"
            )
        if calibrator is None:
            calibrator = load_calibrator(index_path, settings.kb_calibration)
        embedder = get_embedder(settings.kb_embedding_model)
        adapter = load_query_adapter(
            embedder.info.name,
            embedder.info.dim,
            enabled=settings.kb_query_adapter_enabled,
            path=settings.kb_query_adapter,
        )
        retriever = Retriever(
            manifest.cards,
            manifest.terms,
            chroma_collection(index_path, create=False),
            embedder,
            calibrator.fusion,
            adapter,
        )
        return cls(
            retriever,
            calibrator,
            settings.kb_operating_point,
            settings.kb_confirm_from,
            settings.kb_operating_point_by_lang,
        )

    def operating_point_for(self, lang: str) -> float:
        return self.operating_point_by_lang.get(lang, self.operating_point)

    @property
    def cards(self) -> dict[str, Card]:
        return self.retriever.cards

    def answer(self, question: str, lang: str = "fr", top_k: int = 5) -> Answer:
        if lang not in LANGS:
            raise KnowledgeError(f"lang '{lang}' is not one of {', '.join(LANGS)}")
        question = " ".join(question.split())
        retrieval = self.retriever.search(question, lang, top_k) if question else None
        suggestions = tuple(
            Suggestion(c.card_id, c.fused, self.cards[c.card_id].title)
            for c in (retrieval.candidates[:top_k] if retrieval else ())
        )
        if retrieval is None or not retrieval.candidates:
            return Answer(
                question, lang, True, 0.0, None, None, None, None, None, None, suggestions
            )
        confidence = self.calibrator.probability(features(retrieval, lang, self.cards))
        top = self.cards[retrieval.candidates[0].card_id]
        point = self.operating_point_for(lang)
        band = self.confirm_from is not None and self.confirm_from <= confidence
        if confidence < point and not band:
            # The likely service still helps routing to a human even without an answer.
            return Answer(
                question,
                lang,
                True,
                confidence,
                None,
                None,
                top.service,
                None,
                None,
                None,
                suggestions,
            )
        return Answer(
            question,
            lang,
            False,
            confidence,
            top.id,
            top.title,
            top.service,
            top.answer,
            top.details,
            top.lang,
            suggestions,
            to_confirm=confidence < point,
        )
