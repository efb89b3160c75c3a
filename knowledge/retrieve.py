"""Hybrid retrieval: dense (chromadb) and lexical (BM25) scores fused per card.

Each card has several vectors (title, spoken answer, example questions). A card's
dense score is a soft maximum over them (``FusionWeights.soft``; 0 is the plain best
vector): a card that several phrasings match beats one that a single vector matches
by accident. The fused score adds the share of the question's information that the
card matches lexically (coverage), a BM25 share, and a bonus for a card in the
caller's language (so an English caller gets the English card of a topic that has
one, and the French card otherwise). The weights are picked by ``kb calibrate``.

What the lexical side is worth (issue 11 §3, measured on the demo "fit" split and the
dev commune in tests/knowledge/dev_commune): BM25 normalised by the query's best card
is nearly a rank signal, collinear with coverage and with "the lexical top card is the
dense top card", so for *ranking* it only pays when coverage is already in (a small
weight helps on the dev commune, not on the demo). For the *decision*, coverage is the
lexical feature that carries weight: it is what tells "carte grise" from "carte
d'identité" when the vectors are close. The decision is therefore hybrid through
coverage and lexical agreement, not dense-only.

The question's vector goes through the query adapter (``knowledge.adapter``) when one
is shipped for the engine: the vector search then ranks in a space nudged towards how
callers ask city-hall questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.adapter import QueryAdapter
from knowledge.cards import Card
from knowledge.embeddings import Embedder, Vectors
from knowledge.index import card_passages
from knowledge.lexical import BM25, analyze_query
from knowledge.spoken import spoken_core


@dataclass(frozen=True)
class FusionWeights:
    coverage: float = 0.04
    bm25: float = 0.0
    same_lang: float = 0.0
    # Words cannot match across languages, so a card in the other language gets this
    # neutral coverage instead of its (near-zero) lexical one; only the multilingual
    # dense score then ranks it.
    cross_lang_coverage: float = 0.5
    # Temperature of the soft maximum over a card's vectors (0: the best vector only).
    soft: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {
            "coverage": self.coverage,
            "bm25": self.bm25,
            "same_lang": self.same_lang,
            "cross_lang_coverage": self.cross_lang_coverage,
            "soft": self.soft,
        }


@dataclass(frozen=True)
class Candidate:
    card_id: str
    fused: float
    dense: float  # the best vector's cosine similarity (an absolute, model-level scale)
    lexical: float
    coverage: float
    same_lang: bool


@dataclass(frozen=True)
class Retrieval:
    """Ranked candidates plus what the decision needs about the query as a whole."""

    candidates: tuple[Candidate, ...]
    dense_top_card: str | None
    lexical_top_card: str | None
    query_terms: int
    anchor: float


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
        adapter: QueryAdapter | None = None,
    ) -> None:
        self.cards = cards
        self.ids = sorted(cards)
        self.bm25 = BM25([terms[i] for i in self.ids])
        self.collection = collection
        self.embedder = embedder
        self.weights = weights
        self.adapter = adapter
        self.vector_count = int(collection.count())
        self.anchors = embedder.embed_queries(out_of_scope_topics())

    def question_vector(self, question: str, lang: str) -> Vectors:
        """The caller's question as the vector search sees it: its spoken core
        embedded (``knowledge.spoken``), then mapped by the query adapter when there is
        one for its language (cards and anchors are not mapped)."""
        vector = self.embedder.embed_queries([spoken_core(question)])
        if self.adapter is None or lang not in self.adapter.langs:
            return vector
        return self.adapter.apply(vector)

    def _dense(self, vector: Vectors) -> dict[str, tuple[float, ...]]:
        """Each card's returned vectors' similarities, best first."""
        if self.vector_count == 0:
            return {}
        result = self.collection.query(
            query_embeddings=vector,
            n_results=min(DENSE_VECTORS, self.vector_count),
            include=["distances", "metadatas"],
        )
        found: dict[str, list[float]] = {}
        for meta, dist in zip(result["metadatas"][0], result["distances"][0], strict=True):
            card_id = str(meta["card_id"])
            if card_id in self.cards:  # a concurrent re-ingest may have added cards
                found.setdefault(card_id, []).append(1.0 - float(dist))
        return {card_id: tuple(sorted(sims, reverse=True)) for card_id, sims in found.items()}

    def raw(self, question: str, lang: str) -> RawScores:
        """Both retrievers' scores, before fusion (cached by calibration fitting)."""
        terms = analyze_query(question, lang, self.bm25.vocabulary)
        hits = self.bm25.search(terms, LEXICAL_HITS)
        vector = self.question_vector(question, lang)
        anchor = float((self.anchors @ vector[0]).max()) if len(self.anchors) else 0.0
        return RawScores(
            vectors=self._dense(vector),
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
    vectors: dict[str, tuple[float, ...]]  # card -> its returned vectors' similarities
    anchor: float  # similarity to the nearest "not a city hall matter" topic
    lexical: dict[str, tuple[float, float]]  # card -> (bm25, coverage)
    lexical_top: str | None
    query_terms: int

    @property
    def dense(self) -> dict[str, float]:
        return {card_id: sims[0] for card_id, sims in self.vectors.items()}


def soft_max(sims: tuple[float, ...], total: int, floor: float, temperature: float) -> float:
    """A card's dense score from its vectors' similarities: the best one when
    ``temperature`` is 0, else a log-mean-exp over all ``total`` of the card's
    vectors, those not returned by the vector search counted at ``floor`` (the
    weakest similarity returned, an upper bound on theirs)."""
    if temperature <= 0.0 or not sims:
        return sims[0] if sims else floor
    values = np.array([*sims, *([floor] * max(0, total - len(sims)))], dtype=np.float64)
    peak = float(values.max())
    return peak + temperature * float(np.log(np.mean(np.exp((values - peak) / temperature))))


def fuse(
    raw: RawScores, lang: str, cards: dict[str, Card], weights: FusionWeights, top_k: int = 5
) -> Retrieval:
    vectors, lexical = raw.vectors, raw.lexical
    # Cards only the lexical side found get the weakest dense score seen, not 0:
    # a missing dense score means "not in the top vectors", not "unrelated".
    floor = min((sims[-1] for sims in vectors.values()), default=0.0)
    # BM25 is unbounded and query-dependent: relative to the query's best card it
    # says "lexically the best match", which is what the fusion needs.
    bm25_top = max((v[0] for v in lexical.values()), default=0.0) or 1.0
    candidates = []
    for card_id in set(vectors) | set(lexical):
        card = cards[card_id]
        bm25, cov = lexical.get(card_id, (0.0, 0.0))
        sims = vectors.get(card_id, ())
        best = sims[0] if sims else floor
        d = soft_max(sims, len(card_passages(card)), floor, weights.soft)
        same = card.lang == lang
        if same:
            fused = d + weights.coverage * cov + weights.bm25 * bm25 / bm25_top
            fused += weights.same_lang
        else:
            cov = max(cov, weights.cross_lang_coverage)
            fused = d + weights.coverage * cov
        candidates.append(Candidate(card_id, fused, best, bm25, cov, same))
    candidates.sort(key=lambda c: (-c.fused, c.card_id))
    dense = raw.dense
    return Retrieval(
        candidates=tuple(candidates[: max(top_k, 2)]),
        dense_top_card=max(dense, key=lambda k: (dense[k], k)) if dense else None,
        lexical_top_card=raw.lexical_top,
        query_terms=raw.query_terms,
        anchor=raw.anchor,
    )


def features(retrieval: Retrieval, lang: str, cards: dict[str, Card]) -> np.ndarray:
    """The decision's inputs, chosen to transfer from one KB to another.

    None depends on the number of cards or on one KB's vocabulary: similarities are on
    the embedding model's own scale, margins compare the top card with the runner-up
    and with a fixed list of what a city hall does not do, coverage is a share (of
    the question's information), the rest are yes/no. (A feature comparing the top
    card with the mean of the ten best was dropped: with 20 cards the ten best include
    unrelated ones, with 10 000 they do not.) Scores alone do not tell a right answer
    from a near-miss; margins and agreement between the two retrievers do.
    """
    c = retrieval.candidates
    if not c:
        return np.zeros(len(FEATURES), dtype=np.float64)
    top = c[0]
    # The runner-up that is a *different topic*: the same topic's other-language card
    # is not competition. Without a link between them, a same-service card in another
    # language with a close score is the best guess of "same topic".
    second = next((x for x in c[1:] if not _same_topic(top, x, cards)), None)
    second_fused = second.fused if second else top.fused - 0.1
    return np.array(
        [
            top.dense,
            top.fused - second_fused,
            top.coverage,
            1.0 if retrieval.lexical_top_card == top.card_id else 0.0,
            1.0 if top.same_lang else 0.0,
            top.dense - retrieval.anchor,
        ],
        dtype=np.float64,
    )


FEATURES = (
    "dense_top",
    "fused_margin",
    "coverage",
    "lexical_agrees",
    "same_lang",
    "anchor_margin",
)


def _same_topic(a: Candidate, b: Candidate, cards: dict[str, Card]) -> bool:
    ca, cb = cards[a.card_id], cards[b.card_id]
    return ca.lang != cb.lang and ca.service == cb.service and abs(a.dense - b.dense) < 0.03
