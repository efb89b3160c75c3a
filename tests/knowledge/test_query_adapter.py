"""The query adapter: loading rules, its effect on the real index, and its training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guichet.settings import Settings
from knowledge.adapter import SHIPPED_ADAPTER, QueryAdapter, load_query_adapter
from knowledge.adapter_fit import AdapterFit, TrainingSet, fit_adapter, top1
from knowledge.base import KnowledgeBase
from knowledge.embeddings import E5SmallEmbedder, Embedder, HashingEmbedder
from knowledge.errors import KnowledgeError

E5 = E5SmallEmbedder.info
HASHING = HashingEmbedder.info


def test_the_shipped_adapter_is_for_the_shipped_engine_and_near_the_identity() -> None:
    adapter = QueryAdapter.load(SHIPPED_ADAPTER)
    assert adapter.embedder == E5.name
    assert adapter.matrix.shape == (E5.dim, E5.dim)
    # learnt with a pull towards the identity: a nudge of the space, not a new one
    change = np.linalg.norm(adapter.matrix - np.eye(E5.dim)) / np.sqrt(E5.dim)
    assert 0.0 < change < 0.5
    assert "learnt on" in adapter.note


def test_another_engine_gets_no_adapter_and_it_can_be_switched_off() -> None:
    assert load_query_adapter(HASHING.name, HASHING.dim, enabled=True, path=None) is None
    assert load_query_adapter(E5.name, E5.dim, enabled=False, path=None) is None
    assert load_query_adapter(E5.name, E5.dim, enabled=True, path=None) is not None


def test_an_explicit_adapter_must_fit_the_engine(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    QueryAdapter(HASHING.name, np.eye(HASHING.dim, dtype=np.float32)).save(other)
    with pytest.raises(KnowledgeError, match="learnt for hashing"):
        load_query_adapter(E5.name, E5.dim, enabled=True, path=other)
    with pytest.raises(KnowledgeError, match="not found"):
        load_query_adapter(E5.name, E5.dim, enabled=True, path=tmp_path / "missing.npz")


@pytest.mark.parametrize(
    "content",
    [b"not a numpy archive", b""],
    ids=["garbage", "empty"],
)
def test_a_broken_adapter_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(content)
    with pytest.raises(KnowledgeError, match="unreadable query adapter"):
        load_query_adapter(E5.name, E5.dim, enabled=True, path=broken)


def test_a_non_square_or_non_finite_adapter_is_refused(tmp_path: Path) -> None:
    wide = tmp_path / "wide.npz"
    np.savez(wide, matrix=np.ones((3, 4)), embedder=np.array(E5.name), langs=["fr"], note="")
    with pytest.raises(KnowledgeError, match="not a square matrix"):
        QueryAdapter.load(wide)
    nan = tmp_path / "nan.npz"
    matrix = np.eye(4)
    matrix[0, 0] = np.nan
    np.savez(nan, matrix=matrix, embedder=np.array(E5.name), langs=["fr"], note="")
    with pytest.raises(KnowledgeError, match="non-finite"):
        QueryAdapter.load(nan)


def test_the_knowledge_base_maps_the_question_and_only_the_question(
    demo_index: Path, settings: Settings, embedder: Embedder
) -> None:
    kb = KnowledgeBase.open(demo_index, settings)
    off = settings.model_copy(update={"kb_query_adapter_enabled": False})
    plain = KnowledgeBase.open(demo_index, off)
    assert kb.retriever.adapter is not None and plain.retriever.adapter is None
    questions = [
        "mon gamin mange à la cantine, c'est combien par mois",
        "je voudrais refaire mon passeport",
        "where do I park near the town hall",
    ]
    mapped = np.concatenate([kb.retriever.question_vector(q, "fr") for q in questions])
    raw = embedder.embed_queries(questions)
    assert np.array_equal(plain.retriever.question_vector(questions[0], "fr"), raw[:1])
    assert np.allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-4)
    # moved, but each still nearest to itself of the three
    assert (np.diag(mapped @ raw.T) < 0.999).all()
    assert ((mapped @ raw.T).argmax(axis=1) == np.arange(len(questions))).all()
    # the anchors are the model's own vectors, with or without the adapter
    assert np.array_equal(kb.retriever.anchors, plain.retriever.anchors)


def _cards(rng: np.random.Generator, cards: int, dim: int) -> np.ndarray:
    centres = rng.normal(size=(cards, dim))
    unit: np.ndarray = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    return unit


def _questions(rng: np.random.Generator, passages: np.ndarray, per_card: int) -> TrainingSet:
    """Questions about each card, blurred by noise that is strongest in half the
    dimensions: a map that shrinks those ranks them better than the identity."""
    cards, dim = passages.shape
    answers = np.repeat(np.arange(cards), per_card)
    noise = rng.normal(size=(len(answers), dim)) / np.sqrt(dim)
    noise[:, : dim // 2] *= 4.0
    questions = passages[answers] + noise
    questions /= np.linalg.norm(questions, axis=1, keepdims=True)
    return TrainingSet(passages, np.arange(cards), questions, answers)


def test_training_learns_a_map_that_ranks_unseen_questions_better() -> None:
    passages = _cards(np.random.default_rng(1), cards=30, dim=32)
    train = _questions(np.random.default_rng(2), passages, per_card=12)
    fresh = _questions(np.random.default_rng(3), passages, per_card=12)  # not learnt on
    fit = AdapterFit(penalty=0.01, tau=0.05, steps=150, learning_rate=0.01)
    matrix = fit_adapter([train], fit)
    assert top1(fresh, matrix) > top1(fresh, None) + 0.05
    # a strong pull to the identity keeps it there
    held = fit_adapter([train], AdapterFit(penalty=1000.0, steps=50))
    assert np.abs(held - np.eye(32)).max() < 0.01
