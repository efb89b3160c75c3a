"""Evaluation sets, the four headline metrics, and fitting the calibration.

An evaluation line is ``{"q": "...", "lang": "fr", "expect": "card-id" | null}``;
``null`` means out of scope: the right behaviour is to abstain.
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
from knowledge.cards import LANGS
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


@dataclass
class Metrics:
    in_scope: int = 0
    out_of_scope: int = 0
    answered: int = 0
    answered_correct: int = 0
    top1_correct: int = 0  # ranking alone, ignoring the abstain decision
    false_abstain: int = 0
    oos_abstain: int = 0

    def add(self, item: EvalItem, answer: Answer) -> None:
        top = answer.candidates[0].card_id if answer.candidates else None
        if not answer.abstained:
            self.answered += 1
        if item.expect is None:
            self.out_of_scope += 1
            self.oos_abstain += answer.abstained
            return
        self.in_scope += 1
        self.top1_correct += top == item.expect
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
                }
            )
    return EvalResult(
        {lang: m.summary() for lang, m in sorted(per_lang.items())},
        overall.summary(),
        mistakes,
    )


# Fusion weights tried when fitting; a small grid keeps the choice explainable.
COVERAGE_GRID = (0.02, 0.04, 0.06, 0.08)
BM25_GRID = (0.0, 0.02, 0.04)
SAME_LANG_GRID = (0.0, 0.01, 0.02)
CROSS_LANG_GRID = (0.0, 0.3, 0.5, 0.7)


def fit_calibration(kb: KnowledgeBase, items: Iterable[EvalItem]) -> Calibrator:
    """Pick fusion weights for top-1 accuracy, then fit P(correct) on the same items."""
    items = list(items)
    if not any(i.expect for i in items) or all(i.expect for i in items):
        raise KnowledgeError("calibration needs in-scope and out-of-scope questions")
    unknown = sorted({i.expect for i in items if i.expect and i.expect not in kb.cards})
    if unknown:
        raise KnowledgeError(f"expected cards not in the index: {', '.join(unknown[:5])}")
    raws: list[RawScores] = [kb.retriever.raw(i.q, i.lang) for i in items]
    cards = kb.cards

    def top1(weights: FusionWeights) -> float:
        hits = 0
        for item, raw in zip(items, raws, strict=True):
            if item.expect is not None:
                cand = fuse(raw, item.lang, cards, weights).candidates
                hits += bool(cand) and cand[0].card_id == item.expect
        return hits

    grid = [
        FusionWeights(*w)
        for w in itertools.product(COVERAGE_GRID, BM25_GRID, SAME_LANG_GRID, CROSS_LANG_GRID)
    ]
    # Ties go to the smallest weights: the least tuned choice generalises best.
    best = max(grid, key=lambda w: (top1(w), -(w.coverage + w.bm25 + w.same_lang)))
    x, y = [], []
    for item, raw in zip(items, raws, strict=True):
        retrieval = fuse(raw, item.lang, cards, best)
        x.append(features(retrieval, item.lang, cards))
        top = retrieval.candidates[0].card_id if retrieval.candidates else None
        y.append(int(item.expect is not None and top == item.expect))
    xa, ya = np.array(x), np.array(y)
    calibrator = Calibrator.fit(xa, ya, best)
    p = np.array([calibrator.probability(row) for row in xa])
    in_scope = np.array([i.expect is not None for i in items])
    calibrator.report = {
        "fitted_on": len(items),
        "positives": int(ya.sum()),
        "fusion_top1": round(top1(best) / max(1, int(in_scope.sum())), 4),
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
