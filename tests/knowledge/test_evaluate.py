"""The metrics: plain answers, abstentions and "confirm first" answers counted apart."""

from __future__ import annotations

from knowledge.base import Answer, Suggestion
from knowledge.evaluate import EvalItem, Metrics


def answer(card: str | None, *, abstained: bool = False, confirm: bool = False) -> Answer:
    top = card or "passeport-demande"
    return Answer(
        question="q",
        lang="fr",
        abstained=abstained,
        confidence=0.65 if confirm else (0.2 if abstained else 0.9),
        card_id=None if abstained else card,
        title=None,
        service=None,
        answer=None,
        details=None,
        card_lang=None,
        candidates=(Suggestion(top, 0.9, "t"),),
        to_confirm=confirm,
    )


def test_confirms_are_their_own_column() -> None:
    m = Metrics()
    m.add(EvalItem("a", "fr", "cni"), answer("cni"))  # right plain answer
    m.add(EvalItem("b", "fr", "cni"), answer("pacs"))  # wrong plain answer
    m.add(EvalItem("c", "fr", "cni"), answer("cni", confirm=True))  # right confirm
    m.add(EvalItem("d", "fr", None), answer("pacs", confirm=True))  # confirm out of scope
    m.add(EvalItem("e", "fr", None), answer(None, abstained=True))  # right abstention
    m.add(EvalItem("f", "fr", "cni"), answer(None, abstained=True))  # false abstention
    s = m.summary()
    assert s["questions"] == 6 and s["in_scope"] == 4 and s["out_of_scope"] == 2
    assert s["answered_correct"] == 0.25  # 1 of 4 in scope, by a plain answer
    assert s["precision"] == 0.5  # 1 of 2 plain answers
    assert s["oos_abstain"] == 0.5  # the confirmed out-of-scope question was not declined
    assert s["false_abstain"] == 0.25
    assert s["confirm_rate"] == round(2 / 6, 4)
    assert s["confirm_correct"] == 0.5
