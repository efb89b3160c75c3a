"""The demo knowledge base (knowledge/demo/cards), ingested with the real embedder
into a folder and opened, for tests that search it through the web app."""

from __future__ import annotations

from pathlib import Path

from guichet.settings import Settings
from knowledge import KnowledgeBase, ingest
from knowledge.embeddings import get_embedder

__all__ = ["DEMO_CARDS", "open_demo_kb"]

DEMO_CARDS = Path(__file__).resolve().parents[2] / "knowledge" / "demo" / "cards"


def open_demo_kb(path: Path) -> KnowledgeBase:
    """Ingest the demo cards into ``path`` (an empty folder) and open them."""
    settings = Settings()
    report = ingest(DEMO_CARDS, path, get_embedder(settings.kb_embedding_model))
    assert not report.errors, report.errors
    return KnowledgeBase.open(path, settings)
