"""Evaluation sets, the four headline metrics, and fitting the calibration.

An evaluation line is ``{"q": "...", "lang": "fr", "expect": "card-id" | null}``;
``null`` means out of scope: the right behaviour is to abstain.

An answer the knowledge base gives as "confirm first" (``Answer.to_confirm``) is
counted apart: answered-correct and precision are about plain answers only, and the
confirm columns say how often it asked and how often the card it proposed was right.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.base import Answer, KnowledgeBase
from knowledge.calibration import Calibrator, reliability
from knowledge.cards import LANGS, Card
from knowledge.errors import KnowledgeError
from knowledge.retrieve import FusionWeights, RawScores, features, fuse


@dataclass(frozen=True)
class EvalItem:
    q: str
    lang: str
    expect: str | None

    @property
    def split(self) -> str:
        """A stable 60/40 split on the question text: 'fit' for calibration, 'test' held out."""
        h = int(hashlib.sha256(self.q.encode("utf-8")).hexdigest()[:8], 16)
        return "fit" if h % 10 < 6 else "test"


def read_questions(path: Path, *, need_expect: bool) -> list[EvalItem]:
    """Read a JSONL file of questions; errors name the line."""
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KnowledgeError(f"{path}: {exc.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            q, lang, expect = _parse_line(line, need_expect)
        except (ValueError, KeyError, TypeError) as exc:
            raise KnowledgeError(f"{path}:{n}: {exc}") from None
        items.append(EvalItem(q, lang, expect))
    return items


def _parse_line(line: str, need_expect: bool) -> tuple[str, str, str | None]:
    data = json.loads(line)
    q, lang = data["q"], data.get("lang", "fr")
    if not isinstance(q, str) or lang not in LANGS:
        raise ValueError("'q' must be a string and 'lang' fr or en")
    if need_expect and "expect" not in data:
        raise ValueError("missing 'expect' (a card id, or null when out of scope)")
    expect = data.get("expect")
    if expect is not None and not isinstance(expect, str):
        raise ValueError("'expect' must be a card id or null")
    return q, lang, expect


def to_confirm(answer: Answer) -> bool:
    """Whether the answer is a "confirm first" one (a field that may not exist yet)."""
    return bool(getattr(answer, "to_confirm", False))


def proposed_card(answer: Answer) -> str | None:
    """The card an answer gives or, for a confirm-first one, proposes."""
    if answer.card_id is not None:
        return answer.card_id
    return answer.candidates[0].card_id if answer.candidates else None


@dataclass
class Metrics:
    in_scope: int = 0
    out_of_scope: int = 0
    answered: int = 0  # plain answers (not abstained, not confirm-first)
    answered_correct: int = 0
    top1_correct: int = 0  # ranking alone, ignoring the abstain decision
    false_abstain: int = 0
    oos_abstain: int = 0
    confirmed: int = 0  # "confirm first" answers, in or out of scope
    confirm_correct: int = 0  # ... whose proposed card was the expected one

    def add(self, item: EvalItem, answer: Answer) -> None:
        top = answer.candidates[0].card_id if answer.candidates else None
        confirm = to_confirm(answer)
        if confirm:
            self.confirmed += 1
            self.confirm_correct += item.expect is not None and proposed_card(answer) == item.expect
        elif not answer.abstained:
            self.answered += 1
        if item.expect is None:
            self.out_of_scope += 1
            self.oos_abstain += answer.abstained and not confirm
            return
        self.in_scope += 1
        self.top1_correct += top == item.expect
        if confirm:
            return
        if answer.abstained:
            self.false_abstain += 1
        elif answer.card_id == item.expect:
            self.answered_correct += 1

    def summary(self) -> dict[str, Any]:
        def rate(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "questions": self.in_scope + self.out_of_scope,
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "answered_correct": rate(self.answered_correct, self.in_scope),
            "precision": rate(self.answered_correct, self.answered),
            "oos_abstain": rate(self.oos_abstain, self.out_of_scope),
            "false_abstain": rate(self.false_abstain, self.in_scope),
            "top1": rate(self.top1_correct, self.in_scope),
            "confirm_rate": rate(self.confirmed, self.in_scope + self.out_of_scope),
            "confirm_correct": rate(self.confirm_correct, self.confirmed),
        }


@dataclass
class EvalResult:
    by_lang: dict[str, dict[str, Any]]
    overall: dict[str, Any]
    mistakes: list[dict[str, Any]]


def evaluate(kb: KnowledgeBase, items: Sequence[EvalItem]) -> EvalResult:
    per_lang: dict[str, Metrics] = {}
    overall = Metrics()
    mistakes = []
    for item in items:
        answer = kb.answer(item.q, item.lang)
        per_lang.setdefault(item.lang, Metrics()).add(item, answer)
        overall.add(item, answer)
        confirm = to_confirm(answer)
        if confirm:
            wrong = proposed_card(answer) != item.expect
        else:
            wrong = (answer.abstained and item.expect is not None) or (
                not answer.abstained and answer.card_id != item.expect
            )
        if wrong:
            mistakes.append(
                {
                    "q": item.q,
                    "lang": item.lang,
                    "expect": item.expect,
                    "got": answer.card_id,
                    "top": answer.candidates[0].card_id if answer.candidates else None,
                    "confidence": round(answer.confidence, 3),
                    "confirm": confirm,
                }
            )
    return EvalResult(
        {lang: m.summary() for lang, m in sorted(per_lang.items())},
        overall.summary(),
        mistakes,
    )


# How many labelled questions a refit needs before its figures mean something. The
# fit chooses fusion weights among ~300 settings and six feature weights; with fewer
# than 100 questions one question moves a rate by over a point and the choice follows
# noise, and the out-of-scope side (the one a city cares most about) needs its own
# floor: with under 20, abstention is estimated from a handful of questions (one = 5
# points). Both counts are on the questions actually used (the 'fit' split by default).
MIN_REFIT_QUESTIONS = 100
MIN_REFIT_OUT_OF_SCOPE = 20


@dataclass(frozen=True)
class RefitTrust:
    questions: int
    out_of_scope: int

    @property
    def enough(self) -> bool:
        return self.questions >= MIN_REFIT_QUESTIONS and self.out_of_scope >= MIN_REFIT_OUT_OF_SCOPE

    @property
    def warning(self) -> str | None:
        if self.enough:
            return None
        return (
            f"too few labelled questions to trust a refit: {self.questions} questions "
            f"({self.out_of_scope} out of scope); a refit needs at least "
            f"{MIN_REFIT_QUESTIONS} ({MIN_REFIT_OUT_OF_SCOPE} out of scope). Keep the "
            "shipped calibration, or label more questions."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "out_of_scope": self.out_of_scope,
            "min_questions": MIN_REFIT_QUESTIONS,
            "min_out_of_scope": MIN_REFIT_OUT_OF_SCOPE,
            "enough": self.enough,
            "warning": self.warning,
        }


def refit_trust(items: Sequence[EvalItem]) -> RefitTrust:
    return RefitTrust(len(items), sum(1 for i in items if i.expect is None))


# Fusion weights tried when fitting; a small grid keeps the choice explainable.
COVERAGE_GRID = (0.02, 0.04, 0.06, 0.08)
BM25_GRID = (0.0, 0.02, 0.04)
SAME_LANG_GRID = (0.0, 0.01, 0.02)
CROSS_LANG_GRID = (0.0, 0.3, 0.5, 0.7)
SOFT_GRID = (0.0, 0.05)
# Fusion settings whose top-1 is within this share of in-scope questions of the best
# count as tied (1 %: two questions in 200).
TOP1_TOLERANCE = 0.01


def fit_calibration(
    kb: KnowledgeBase,
    items: Iterable[EvalItem],
    more: Sequence[tuple[KnowledgeBase, Sequence[EvalItem]]] = (),
) -> Calibrator:
    """Pick fusion weights for top-1 accuracy, then fit P(correct) on the same items.

    ``more`` adds other KBs with their own labelled questions: one calibration fitted
    across several communes' cards is what a city without its own labels gets, so it
    should not learn one KB's quirks.
    """
    sets = [(kb, list(items)), *((k, list(i)) for k, i in more)]
    everything = [i for _, group in sets for i in group]
    if not any(i.expect for i in everything) or all(i.expect for i in everything):
        raise KnowledgeError("calibration needs in-scope and out-of-scope questions")
    # (item, raw scores, that item's cards)
    rows: list[tuple[EvalItem, RawScores, dict[str, Card]]] = []
    for base, group in sets:
        unknown = sorted({i.expect for i in group if i.expect and i.expect not in base.cards})
        if unknown:
            raise KnowledgeError(f"expected cards not in the index: {', '.join(unknown[:5])}")
        rows.extend((i, base.retriever.raw(i.q, i.lang), base.cards) for i in group)

    def top1(weights: FusionWeights) -> float:
        hits = 0
        for item, raw, cards in rows:
            if item.expect is not None:
                cand = fuse(raw, item.lang, cards, weights).candidates
                hits += bool(cand) and cand[0].card_id == item.expect
        return hits

    grid = [
        FusionWeights(*w)
        for w in itertools.product(
            COVERAGE_GRID, BM25_GRID, SAME_LANG_GRID, CROSS_LANG_GRID, SOFT_GRID
        )
    ]
    # Near-ties go to the smallest weights: the least tuned choice generalises best. A
    # setting that wins by a question or two has learnt those questions, not a rule
    # (measured on the dev sets plus tests/knowledge/paraphrases/more_*: coverage 0.08
    # won by two questions of 233 over 0.02, and its decision answered fewer, at lower
    # precision, with each dev group held out in turn). On the shipped fit's questions
    # this picks what the strict maximum picked: the refit is unchanged.
    scores = {w: top1(w) for w in grid}
    in_scope_count = sum(1 for item, _, _ in rows if item.expect is not None)
    good_enough = max(scores.values()) - TOP1_TOLERANCE * in_scope_count
    best = min(
        (w for w in grid if scores[w] >= good_enough),
        key=lambda w: (w.coverage + w.bm25 + w.same_lang, -scores[w], w.soft),
    )
    x, y = [], []
    for item, raw, cards in rows:
        retrieval = fuse(raw, item.lang, cards, best)
        x.append(features(retrieval, item.lang, cards))
        top = retrieval.candidates[0].card_id if retrieval.candidates else None
        y.append(int(item.expect is not None and top == item.expect))
    xa, ya = np.array(x), np.array(y)
    calibrator = Calibrator.fit(xa, ya, best)
    p = np.array([calibrator.probability(row) for row in xa])
    in_scope = np.array([i.expect is not None for i in everything])
    calibrator.report = {
        "fitted_on": len(everything),
        "knowledge_bases": len(sets),
        "refit_trust": refit_trust(everything).to_json(),
        "positives": int(ya.sum()),
        "fusion_top1": round(scores[best] / max(1, int(in_scope.sum())), 4),
        "fit_reliability": reliability(p, ya),
        # How the operating point trades answers for precision on these questions:
        # choose the setting from this table, never from held-out figures.
        "operating_points_on_fit": {
            str(point): _sweep(p >= point, ya == 1, in_scope) for point in OPERATING_POINTS
        },
    }
    return calibrator


OPERATING_POINTS = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


def _sweep(
    answered: npt.NDArray[np.bool_], right: npt.NDArray[np.bool_], in_scope: npt.NDArray[np.bool_]
) -> dict[str, float]:
    def rate(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    return {
        "answered_correct": rate(int((answered & right).sum()), int(in_scope.sum())),
        "precision": rate(int((answered & right).sum()), int(answered.sum())),
        "oos_abstain": rate(int((~answered & ~in_scope).sum()), int((~in_scope).sum())),
        "false_abstain": rate(int((~answered & in_scope).sum()), int(in_scope.sum())),
    }
