"""Hybrid retrieval: dense (chromadb) and lexical (BM25) scores fused per card.

Each card has several vectors (title, spoken answer, example questions); a card's
dense score is its best vector's cosine similarity. The fused score adds the share
of the question's information that the card matches lexically, and a small bonus
for a card in the caller's language (so an English caller gets the English card of
a topic that has one, and the French card otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.cards import Card
from knowledge.embeddings import Embedder, Vectors
from knowledge.lexical import BM25, analyze_query


@dataclass(frozen=True)
class FusionWeights:
    coverage: float = 0.04
    bm25: float = 0.0
    same_lang: float = 0.0
    # Words cannot match across languages, so a card in the other language gets this
    # neutral coverage instead of its (near-zero) lexical one; only the multilingual
    # dense score then ranks it.
    cross_lang_coverage: float = 0.5

    def to_dict(self) -> dict[str, float]:
        return {
            "coverage": self.coverage,
            "bm25": self.bm25,
            "same_lang": self.same_lang,
            "cross_lang_coverage": self.cross_lang_coverage,
        }


@dataclass(frozen=True)
class Candidate:
    card_id: str
    fused: float
    dense: float
    lexical: float
    coverage: float


@dataclass(frozen=True)
class Retrieval:
    """Ranked candidates plus what the decision needs about the query as a whole."""

    candidates: tuple[Candidate, ...]
    dense_top_card: str | None
    lexical_top_card: str | None
    query_terms: int
    anchor: float
    dense_spread: float  # mean dense score of the ten best cards


NOT_CITY_HALL = Path(__file__).with_name("not_city_hall.yaml")
DENSE_VECTORS = 60  # nearest vectors fetched; several per card, so ~15-30 cards
LEXICAL_HITS = 30


class Retriever:
    def __init__(
        self,
        cards: dict[str, Card],
        terms: dict[str, list[str]],
        collection: Any,
        embedder: Embedder,
        weights: FusionWeights,
    ) -> None:
        self.cards = cards
        self.ids = sorted(cards)
        self.bm25 = BM25([terms[i] for i in self.ids])
        self.collection = collection
        self.embedder = embedder
        self.weights = weights
        self.vector_count = int(collection.count())
        self.anchors = embedder.embed_queries(out_of_scope_topics())

    def dense(self, question: str) -> dict[str, float]:
        return self._dense(self.embedder.embed_queries([question]))

    def _dense(self, vector: Vectors) -> dict[str, float]:
        if self.vector_count == 0:
            return {}
        result = self.collection.query(
            query_embeddings=vector,
            n_results=min(DENSE_VECTORS, self.vector_count),
            include=["distances", "metadatas"],
        )
        best: dict[str, float] = {}
        for meta, dist in zip(result["metadatas"][0], result["distances"][0], strict=True):
            card_id = str(meta["card_id"])
            if card_id in self.cards:  # a concurrent re-ingest may have added cards
                best[card_id] = max(best.get(card_id, -1.0), 1.0 - float(dist))
        return best

    def raw(self, question: str, lang: str) -> RawScores:
        """Both retrievers' scores, before fusion (cached by calibration fitting)."""
        terms = analyze_query(question, lang, self.bm25.vocabulary)
        hits = self.bm25.search(terms, LEXICAL_HITS)
        vector = self.embedder.embed_queries([question])
        anchor = float((self.anchors @ vector[0]).max()) if len(self.anchors) else 0.0
        return RawScores(
            dense=self._dense(vector),
            anchor=anchor,
            lexical={self.ids[h.index]: (h.score, h.coverage) for h in hits},
            lexical_top=self.ids[hits[0].index] if hits else None,
            query_terms=len(terms),
        )

    def search(self, question: str, lang: str, top_k: int = 5) -> Retrieval:
        return fuse(self.raw(question, lang), lang, self.cards, self.weights, top_k)


def out_of_scope_topics() -> list[str]:
    topics = yaml.safe_load(NOT_CITY_HALL.read_text(encoding="utf-8"))
    return [str(t) for t in topics]


@dataclass(frozen=True)
class RawScores:
    dense: dict[str, float]
    anchor: float  # similarity to the nearest "not a city hall matter" topic
    lexical: dict[str, tuple[float, float]]  # card -> (bm25, coverage)
    lexical_top: str | None
    query_terms: int


def fuse(
    raw: RawScores, lang: str, cards: dict[str, Card], weights: FusionWeights, top_k: int = 5
) -> Retrieval:
    dense, lexical = raw.dense, raw.lexical
    # Cards only the lexical side found get the weakest dense score seen, not 0:
    # a missing dense score means "not in the top vectors", not "unrelated".
    floor = min(dense.values()) if dense else 0.0
    # BM25 is unbounded and query-dependent: relative to the query's best card it
    # says "lexically the best match", which is what the fusion needs.
    bm25_top = max((v[0] for v in lexical.values()), default=0.0) or 1.0
    candidates = []
    for card_id in set(dense) | set(lexical):
        bm25, cov = lexical.get(card_id, (0.0, 0.0))
        d = dense.get(card_id, floor)
        if cards[card_id].lang == lang:
            fused = d + weights.coverage * cov + weights.bm25 * bm25 / bm25_top
            fused += weights.same_lang
        else:
            cov = max(cov, weights.cross_lang_coverage)
            fused = d + weights.coverage * cov
        candidates.append(Candidate(card_id, fused, d, bm25, cov))
    candidates.sort(key=lambda c: (-c.fused, c.card_id))
    return Retrieval(
        candidates=tuple(candidates[: max(top_k, 2)]),
        dense_top_card=max(dense, key=lambda k: dense[k]) if dense else None,
        lexical_top_card=raw.lexical_top,
        query_terms=raw.query_terms,
        anchor=raw.anchor,
        dense_spread=float(np.mean(sorted(dense.values())[-10:])) if dense else 0.0,
    )


def features(retrieval: Retrieval, lang: str, cards: dict[str, Card]) -> np.ndarray:
    """The decision's inputs, all independent of the KB's size and wording.

    Scores alone do not tell a right answer from a near-miss (both can be similar to
    something); margins to the runner-up and agreement between the two retrievers do.
    """
    c = retrieval.candidates
    if not c:
        return np.zeros(len(FEATURES), dtype=np.float64)
    top = c[0]
    # The runner-up that is a *different topic*: the same topic's other-language card
    # is not competition. Without a link between them, a same-service card in another
    # language with a close score is the best guess of "same topic".
    second = next((x for x in c[1:] if not _same_topic(top, x, cards)), None)
    second_dense = second.dense if second else top.dense - 0.1
    second_fused = second.fused if second else top.fused - 0.1
    return np.array(
        [
            top.dense,
            top.dense - second_dense,
            top.fused - second_fused,
            top.coverage,
            1.0 if retrieval.dense_top_card == top.card_id else 0.0,
            1.0 if retrieval.lexical_top_card == top.card_id else 0.0,
            1.0 if cards[top.card_id].lang == lang else 0.0,
            top.dense - retrieval.anchor,
            top.dense - retrieval.dense_spread,
        ],
        dtype=np.float64,
    )


FEATURES = (
    "dense_top",
    "dense_margin",
    "fused_margin",
    "coverage",
    "dense_agrees",
    "lexical_agrees",
    "same_lang",
    "anchor_margin",
    "dense_peak",
)


def _same_topic(a: Candidate, b: Candidate, cards: dict[str, Card]) -> bool:
    ca, cb = cards[a.card_id], cards[b.card_id]
    return ca.lang != cb.lang and ca.service == cb.service and abs(a.dense - b.dense) < 0.03
