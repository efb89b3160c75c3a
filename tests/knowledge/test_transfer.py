"""The shipped decision on another commune's cards, without refitting (issue 11 §3).

The dev commune (tests/knowledge/dev_commune) has other place names, other services
and topics the demo does not have (camping, allotments, a temporary bar licence...).
Its 'test' split was not used to fit the shipped calibration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guichet.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.embeddings import Embedder
from knowledge.evaluate import evaluate, read_questions

from .conftest import DEV_QUESTIONS
from .floors import Floors, below, measure_commune


def test_shipped_calibration_holds_on_another_communes_cards(dev_kb: KnowledgeBase) -> None:
    items = [i for i in read_questions(DEV_QUESTIONS, need_expect=True) if i.split == "test"]
    result = evaluate(dev_kb, items)
    overall = result.overall
    assert overall["questions"] >= 40 and overall["out_of_scope"] >= 10
    # Measured with the query adapter (2026-11-30): answered-correct 0.897, precision
    # 0.897, out-of-scope abstained 0.714 (10 of 14), top-1 0.966. Before it: 0.759,
    # 0.917, 0.857 (12 of 14), 0.931.
    assert overall["answered_correct"] >= 0.85
    assert overall["precision"] >= 0.86
    assert overall["oos_abstain"] >= 0.70
    assert overall["top1"] >= 0.93


def test_other_administrations_are_declined_on_another_kb(dev_kb: KnowledgeBase) -> None:
    # Near-misses of the dev commune's own cards (ID card, waste, schools): the
    # generic out-of-scope list knows these kinds, not these questions.
    for question, lang in [
        ("je dois refaire la carte grise de ma voiture", "fr"),
        ("ma caf a baissé mes allocations", "fr"),
    ]:
        answer = dev_kb.answer(question, lang)
        assert answer.abstained, answer
        assert answer.card_id is None


def test_an_english_near_miss_is_never_stated_as_an_answer(dev_kb: KnowledgeBase) -> None:
    # Measured weakness: with only three English cards, "how do I renew my driving
    # licence" sits close to "How do I renew my passport?" (p = 0.70, in the confirm
    # band). The bot must at least ask before saying the passport card.
    answer = dev_kb.answer("how do I renew my driving licence", "en")
    assert answer.abstained or answer.to_confirm, answer


def test_answers_a_topic_the_demo_does_not_have(dev_kb: KnowledgeBase) -> None:
    answer = dev_kb.answer("je voudrais réserver un emplacement au camping pour août", "fr")
    assert not answer.abstained, answer
    assert answer.card_id == "camping-municipal"


# Two more development communes (tests/knowledge/dev_commune2, dev_commune3; written
# 2026-11-30 from the citizen's side before any retrieval ran on them, with groups of
# close cards). The shipped calibration was not fitted on them: refitting across all four
# development KBs was tried and not kept (knowledge/demo/README.md). Their questions
# are learning data of the shipped query adapter (knowledge/adapter.py), so these are
# no longer transfer figures, only a guard against regressions; the adapter's transfer
# is measured with each commune left out (tests/knowledge/fit_query_adapter.py) and on
# tests/heldout. Floors: the figures measured before the adapter, on all their questions,
# about one question under.
MORE_COMMUNES: dict[str, Floors] = {
    "dev_commune2": {
        "fr": {"answered_correct": 0.51, "precision": 0.93, "oos_abstain": 0.89, "top1": 0.80},
        "en": {"answered_correct": 0.74, "precision": 0.91, "oos_abstain": 0.86, "top1": 0.85},
    },
    "dev_commune3": {
        "fr": {"answered_correct": 0.56, "precision": 0.92, "oos_abstain": 0.86, "top1": 0.85},
        "en": {"answered_correct": 0.69, "precision": 0.88, "oos_abstain": 0.86, "top1": 0.78},
    },
}


@pytest.mark.parametrize("name", sorted(MORE_COMMUNES))
def test_shipped_calibration_holds_on_more_development_communes(
    name: str, tmp_path: Path, embedder: Embedder, settings: Settings
) -> None:
    folder = Path(__file__).resolve().parent / name
    items, figures = measure_commune(folder, tmp_path / "index", embedder, settings)
    assert len(list((folder / "cards").glob("*.md"))) >= 30
    assert len(items) >= 150 and sum(i.expect is None for i in items) >= 40
    assert not below(figures, MORE_COMMUNES[name])


# A fifth development commune (tests/knowledge/dev_commune4: a small south-western town
# with many English-speaking residents, 40 cards, 240 questions half in English; written
# 2026-11-30 from the citizen's side before any retrieval ran on it). The shipped adapter
# and calibration never saw it (learning from it was tried and not kept: `--with-dev4` in
# tests/knowledge/fit_query_adapter.py), so these are transfer figures. Measured with the
# shipped system, English answering from kb_operating_point + its raise (2026-11-30):
# French answered-correct 0.718, precision 0.924, out of scope abstained 0.914, top-1
# 0.929; English 0.612, 0.929, 0.971, 0.788. Floors one question under.
DEV4: Floors = {
    "fr": {"answered_correct": 0.70, "precision": 0.91, "oos_abstain": 0.88, "top1": 0.91},
    "en": {"answered_correct": 0.60, "precision": 0.91, "oos_abstain": 0.94, "top1": 0.77},
}


def test_shipped_system_transfers_to_a_commune_it_never_saw(
    tmp_path: Path, embedder: Embedder, settings: Settings
) -> None:
    folder = Path(__file__).resolve().parent / "dev_commune4"
    items, figures = measure_commune(folder, tmp_path / "index", embedder, settings)
    assert len(list((folder / "cards").glob("*.md"))) >= 40
    assert sum(i.lang == "en" for i in items) >= 100
    assert not below(figures, DEV4)
