"""The second commune (tests/heldout/commune): another city's cards and citizens'
questions, written blind by another author and never used to fit or tune anything.

The default calibration must hold on it without a refit. The floors are the figures
first measured (2026-11-29, bench_heldout.py), one question under; they are below the
issue's targets (answered-correct ≥ 85 %, precision ≥ 97 %, out-of-scope ≥ 90 %), which
is said in the issue's closing note rather than hidden by a lower bar elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from guichet.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.embeddings import Embedder
from knowledge.evaluate import evaluate, read_questions
from knowledge.index import ingest

COMMUNE = Path(__file__).resolve().parents[1] / "heldout" / "commune"
# lang → metric → floor (first measurement, minus about one question)
FLOORS: dict[str, dict[str, float]] = {
    "fr": {"answered_correct": 0.64, "precision": 0.94, "oos_abstain": 0.89, "top1": 0.77},
    "en": {"answered_correct": 0.74, "precision": 0.80, "oos_abstain": 0.75, "top1": 0.82},
}


@pytest.fixture(scope="module")
def figures(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, settings: Settings
) -> dict[str, dict[str, Any]]:
    index = tmp_path_factory.mktemp("heldout-commune")
    report = ingest(COMMUNE / "cards", index, embedder)
    assert not report.errors
    kb = KnowledgeBase.open(index, settings)
    items = read_questions(COMMUNE / "questions.jsonl", need_expect=True)
    return evaluate(kb, items).by_lang


def test_the_set_is_what_the_readme_says() -> None:
    items = read_questions(COMMUNE / "questions.jsonl", need_expect=True)
    assert len(items) >= 200
    assert len(list((COMMUNE / "cards").glob("*.md"))) >= 40
    assert {i.lang for i in items} == {"fr", "en"}
    assert sum(i.expect is None for i in items) >= 40


@pytest.mark.parametrize("lang", sorted(FLOORS))
def test_the_default_calibration_holds_on_another_commune(
    figures: dict[str, dict[str, Any]], lang: str
) -> None:
    measured = figures[lang]
    below = {
        metric: (measured[metric], floor)
        for metric, floor in FLOORS[lang].items()
        if measured[metric] is None or measured[metric] < floor
    }
    assert not below, below
