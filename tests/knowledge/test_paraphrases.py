"""Questions that do not use the card's words, or that ramble as speech does.

On a blind commune these are the weak spot (the right card is ranked first far more
often than it is answered: the decision abstains because little of the question
matches the card lexically). These floors keep what is measured from getting worse;
the sets and how they were written are in tests/knowledge/paraphrases/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.evaluate import evaluate, read_questions

PARAPHRASES = Path(__file__).resolve().parent / "paraphrases"


@pytest.mark.parametrize("name", ["demo", "dev", "more_demo", "more_dev"])
def test_paraphrased_questions_rank_the_right_card_and_are_never_answered_wrong_often(
    name: str, demo_kb: KnowledgeBase, dev_kb: KnowledgeBase
) -> None:
    kb = demo_kb if name.endswith("demo") else dev_kb
    items = read_questions(PARAPHRASES / f"{name}.jsonl", need_expect=True)
    overall = evaluate(kb, items).overall
    assert overall["in_scope"] >= 15 and overall["out_of_scope"] >= 2
    floors = FLOORS[name]
    assert overall["top1"] >= floors["top1"]
    assert overall["precision"] >= floors["precision"]
    assert overall["oos_abstain"] >= floors["oos_abstain"]
    assert overall["answered_correct"] >= floors["answered_correct"]


# Measured (confirm band on, as shipped): demo top-1 0.893, precision 1.0, out of scope
# abstained 4/4, answered-correct 0.536; dev top-1 0.813, precision 0.889, 2/2, 0.500.
# more_demo (105 questions, 22 out of scope): top-1 0.831, precision 0.880, 21/22,
# answered-correct 0.530; more_dev (68, 20 out of scope): 0.792, 0.880, 19/20, 0.458.
# Each floor is about one question under the measure: a set this small moves by
# 2-6 points a question.
FLOORS = {
    "demo": {"top1": 0.85, "precision": 0.95, "oos_abstain": 0.75, "answered_correct": 0.50},
    "dev": {"top1": 0.75, "precision": 0.85, "oos_abstain": 0.5, "answered_correct": 0.43},
    "more_demo": {"top1": 0.81, "precision": 0.85, "oos_abstain": 0.90, "answered_correct": 0.51},
    "more_dev": {"top1": 0.77, "precision": 0.84, "oos_abstain": 0.90, "answered_correct": 0.43},
}
