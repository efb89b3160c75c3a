"""Shared fixtures: the real embedding model and real chromadb, built once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from guichet.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.embeddings import Embedder, get_embedder
from knowledge.index import ingest

REPO = Path(__file__).resolve().parents[2]
DEMO_CARDS = REPO / "knowledge" / "demo" / "cards"
DEMO_EVAL = REPO / "knowledge" / "demo" / "eval.jsonl"
# A second, smaller commune written for issue 11 §3: other places, other topics, its
# own questions. It checks that the shipped calibration transfers to other cards.
DEV_COMMUNE = Path(__file__).resolve().parent / "dev_commune"
DEV_CARDS = DEV_COMMUNE / "cards"
DEV_QUESTIONS = DEV_COMMUNE / "questions.jsonl"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def embedder(settings: Settings) -> Embedder:
    return get_embedder(settings.kb_embedding_model)


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    path = tmp_path_factory.mktemp("demo-index")
    report = ingest(DEMO_CARDS, path, embedder)
    assert not report.errors
    return path


@pytest.fixture(scope="session")
def demo_kb(demo_index: Path, settings: Settings) -> KnowledgeBase:
    return KnowledgeBase.open(demo_index, settings)


@pytest.fixture(scope="session")
def dev_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    path = tmp_path_factory.mktemp("dev-index")
    report = ingest(DEV_CARDS, path, embedder)
    assert not report.errors
    return path


@pytest.fixture(scope="session")
def dev_kb(dev_index: Path, settings: Settings) -> KnowledgeBase:
    return KnowledgeBase.open(dev_index, settings)


@pytest.fixture
def small_kb_dir(tmp_path: Path) -> Iterator[Path]:
    """A copy of a few demo cards that a test may edit, break or delete."""
    folder = tmp_path / "cards"
    folder.mkdir()
    for name in (
        "passeport-demande",
        "cni-demande",
        "encombrants",
        "dechets-verts",
        "horaires-mairie",
    ):
        shutil.copy(DEMO_CARDS / f"{name}.md", folder / f"{name}.md")
    yield folder
