"""Another commune's cards and questions, measured against floors: the shared steps of
the transfer checks (development communes) and the held-out ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from guichet.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.embeddings import Embedder
from knowledge.evaluate import EvalItem, evaluate, read_questions
from knowledge.index import ingest

Floors = dict[str, dict[str, float]]  # lang → metric → floor
Figures = dict[str, dict[str, Any]]  # lang → metric → measured


def measure_commune(
    folder: Path, index: Path, embedder: Embedder, settings: Settings
) -> tuple[list[EvalItem], Figures]:
    """Ingest ``folder/cards``, answer every line of ``folder/questions.jsonl`` with the
    shipped calibration, and return the questions and the figures per language."""
    report = ingest(folder / "cards", index, embedder)
    assert not report.errors, report.errors
    items = read_questions(folder / "questions.jsonl", need_expect=True)
    return items, evaluate(KnowledgeBase.open(index, settings), items).by_lang


def below(figures: Figures, floors: Floors) -> dict[tuple[str, str], tuple[Any, float]]:
    """Every (language, metric) measured under its floor, with both values."""
    return {
        (lang, metric): (figures[lang][metric], floor)
        for lang, per_lang in floors.items()
        for metric, floor in per_lang.items()
        if figures[lang][metric] is None or figures[lang][metric] < floor
    }
