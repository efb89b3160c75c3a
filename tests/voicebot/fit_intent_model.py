"""Train the learned intent model (voicebot/intent_model.py) on the development sets.

    .venv/bin/python -m tests.voicebot.fit_intent_model loso   # each set left out in turn
    .venv/bin/python -m tests.voicebot.fit_intent_model ship   # train on all, write the .npz

Development sets (``SETS`` below): tests/voicebot/intents_dev*.jsonl (``--dev2`` adds dev2 to
the sets a command uses; ``ship --dev2`` trains on all; no command trains on ``RULES_ONLY``),
and the former held-out sets 1-4 (tests/heldout/intents{,2,3,4}.jsonl, development data since
their blind measurement). Never
a blind set still held out (tests/heldout/intents5.jsonl and later: see
tests/voicebot/test_intents_heldout.py).

Multinomial logistic regression with an L2 penalty, trained full-batch with Adam on dense
hashed features (a few thousand sentences: seconds on a laptop core).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voicebot.intent_model import SHIPPED_MODEL, IntentModel, features
from voicebot.intents import MODEL_SURE, MODEL_SURE_TO_LEAVE, classify, rules, words

HERE = Path(__file__).resolve().parent
HELDOUT = HERE.parent / "heldout"
LABELS = ("question", "person", "repeat", "yes", "no", "goodbye", "language", "empty")
# the development sets, by short name (never a blind set not yet measured)
SETS: dict[str, Path] = {
    "dev": HERE / "intents_dev.jsonl",
    "set1": HELDOUT / "intents.jsonl",
    "set2": HELDOUT / "intents2.jsonl",
    "set3": HELDOUT / "intents3.jsonl",
    "set4": HELDOUT / "intents4.jsonl",
    "dev2": HERE / "intents_dev2.jsonl",
    "dev3": HERE / "intents_dev3.jsonl",
    "dev4": HERE / "intents_dev4.jsonl",
    "dev5": HERE / "intents_dev5.jsonl",
    "dev6": HERE / "intents_dev6.jsonl",
    "dev7": HERE / "intents_dev7.jsonl",
    "dev8": HERE / "intents_dev8.jsonl",
    "dev9": HERE / "intents_dev9.jsonl",
    "dev10": HERE / "intents_dev10.jsonl",
    "dev11": HERE / "intents_dev11.jsonl",
    "dev12": HERE / "intents_dev12.jsonl",
    "dev13": HERE / "intents_dev13.jsonl",
    "dev14": HERE / "intents_dev14.jsonl",
    "dev15": HERE / "intents_dev15.jsonl",
}
# development sets for the rules only, measured but never trained on: trained on them too,
# the model gained a line or none on each and lost more on the other sets (intents_dev13,
# hard negatives made almost only of questions: 0 gained, 10 lost, asides most;
# intents_dev14, goodbyes and person requests of varied callers: 1 gained, 7 lost;
# intents_dev15, hard negatives like dev13, is kept out with it)
RULES_ONLY: frozenset[str] = frozenset({"dev13", "dev14", "dev15"})

Row = dict[str, Any]
Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Shape:
    dim: int = 1 << 14
    chars: tuple[int, int] = (2, 5)
    pairs: bool = True
    l2: float = 1e-4
    steps: int = 300


def load(name: str) -> list[Row]:
    path = SETS[name]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def available() -> list[str]:
    return [name for name, path in SETS.items() if path.exists()]


def matrix(rows: list[Row], shape: Shape) -> Matrix:
    x = np.zeros((len(rows), shape.dim), dtype=np.float32)
    for i, row in enumerate(rows):
        tokens = words(row["text"], row["lang"])
        idx, val = features(
            tokens, row["lang"], row["context"], shape.dim, chars=shape.chars, pairs=shape.pairs
        )
        x[i, idx] = val
    return x


def train(rows: list[Row], shape: Shape, note: str = "") -> IntentModel:
    x = matrix(rows, shape)
    y = np.array([LABELS.index(r["intent"]) for r in rows])
    n, k = len(rows), len(LABELS)
    onehot = np.eye(k, dtype=np.float32)[y]
    w = np.zeros((shape.dim, k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    lr = 0.05
    for step in range(1, shape.steps + 1):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / n
        gw = x.T @ g + shape.l2 * w
        gb = g.sum(axis=0)
        for param, grad, m1, m2 in ((w, gw, mw, vw), (b, gb, mb, vb)):
            _adam(param, grad, m1, m2, step, lr)
    return IntentModel(LABELS, w, b, shape.chars, shape.pairs, note)


def _adam(param: Matrix, grad: Matrix, m1: Matrix, m2: Matrix, step: int, lr: float) -> None:
    """One Adam step, in place."""
    beta1, beta2 = 0.9, 0.999
    m1 *= beta1
    m1 += (1 - beta1) * grad
    m2 *= beta2
    m2 += (1 - beta2) * grad * grad
    param -= lr * (m1 / (1 - beta1**step)) / (np.sqrt(m2 / (1 - beta2**step)) + 1e-8)


def accuracy(model: IntentModel, rows: list[Row]) -> tuple[float, Counter[str]]:
    """The share right, and the false goodbye/person decisions counted by kind."""
    right = 0
    faults: Counter[str] = Counter()
    for row in rows:
        got, _ = model.predict(words(row["text"], row["lang"]), row["lang"], row["context"])
        right += got == row["intent"]
        if got in ("goodbye", "person") and got != row["intent"]:
            faults[f"false {got}"] += 1
    return right / len(rows), faults


def training_rows(names: Sequence[str], held: str | None = None) -> list[Row]:
    """The rows a model learns from: every set named but ``held`` and the rules-only sets."""
    return [r for name in names if name != held and name not in RULES_ONLY for r in load(name)]


def loso(shape: Shape, names: list[str]) -> dict[str, float]:
    """Each development set measured by a model trained on the others."""
    out: dict[str, float] = {}
    for held in names:
        model = train(training_rows(names, held), shape)
        out[held], faults = accuracy(model, load(held))
        print(f"  {held}: {out[held]:.3f} {dict(faults)}", flush=True)
    return out


@dataclass(frozen=True)
class Score:
    """How a set's labels and the decisions taken on it compare."""

    share: float  # right / all
    per_intent: dict[str, tuple[int, int]]  # intent → (right, of)
    faults: Counter[str]  # "false goodbye", "missed person", ...: the call-ending decisions

    @property
    def false(self) -> int:
        return self.faults["false goodbye"] + self.faults["false person"]

    @property
    def missed(self) -> int:
        return self.faults["missed goodbye"] + self.faults["missed person"]


def score(rows: list[Row], decided: Sequence[str]) -> Score:
    per: dict[str, Counter[str]] = {}
    faults: Counter[str] = Counter()
    for row, got in zip(rows, decided, strict=True):
        want = row["intent"]
        per.setdefault(want, Counter())["n"] += 1
        per[want]["right"] += got == want
        for kind in ("goodbye", "person"):
            faults[f"false {kind}"] += got == kind != want
            faults[f"missed {kind}"] += want == kind != got
    right = sum(c["right"] for c in per.values())
    per_intent = {k: (c["right"], c["n"]) for k, c in sorted(per.items())}
    return Score(right / len(rows), per_intent, faults)


def table(rows: list[Row], decided: Sequence[str], *, short: bool = False) -> str:
    """Accuracy, per intent, and false/missed goodbye and person decisions."""
    got = score(rows, decided)
    if short:
        return f"{got.share:.3f} f{got.false} m{got.missed}"
    intents = " ".join(f"{k} {right}/{n}" for k, (right, n) in got.per_intent.items())
    return f"{got.share:.3f} | {intents} | {dict(got.faults)}"


def combine(
    rows: list[Row],
    model: IntentModel,
    *,
    sure: float = MODEL_SURE,
    sure_to_leave: float = MODEL_SURE_TO_LEAVE,
) -> list[str]:
    """What classify decides with this model in place of the shipped one."""
    return [
        classify(
            row["text"],
            row["lang"],
            row["context"],
            model=model,
            sure=sure,
            sure_to_leave=sure_to_leave,
        )
        for row in rows
    ]


def validate(names: list[str], held: str = "dev2") -> None:
    """The rules, the model trained without ``held``, and their combinations, on ``held``."""
    rows = load(held)
    model = train(training_rows(names, held), Shape())
    print("rules alone:", table(rows, [rules(r["text"], r["lang"], r["context"])[0] for r in rows]))
    alone = [model.predict(words(r["text"], r["lang"]), r["lang"], r["context"])[0] for r in rows]
    print("model alone:", table(rows, alone))
    print("combined:   ", table(rows, combine(rows, model)))


def thresholds(names: list[str]) -> None:
    """The combination on each set left out of the model (dev2 always left out), per pair
    of thresholds: accuracy, false and missed goodbye/person decisions."""
    held_out = {
        held: (load(held), train(training_rows(names, held), Shape())) for held in [*names, "dev2"]
    }
    for sure in (0.3, 0.4, 0.5, 0.6):
        for leave in (0.6, 0.7, 0.8, 0.9, 1.01):
            cells = []
            for held, (rows, model) in held_out.items():
                decided = combine(rows, model, sure=sure, sure_to_leave=leave)
                cells.append(f"{held} {table(rows, decided, short=True)}")
            print(f"{sure} {leave}: " + " | ".join(cells), flush=True)


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "loso"
    names = [n for n in available() if n != "dev2" or "--dev2" in argv]
    if command == "loso":
        shapes = [Shape()]
        if "--sweep" in argv:
            shapes = [
                Shape(),
                Shape(pairs=False),
                Shape(chars=(3, 5)),
                Shape(chars=(1, 4)),
                Shape(l2=1e-3),
                Shape(l2=1e-5),
                Shape(dim=1 << 15),
            ]
        for shape in shapes:
            start = time.perf_counter()
            print(shape, flush=True)
            figures = loso(shape, names)
            mean = sum(figures.values()) / len(figures)
            print(f"  mean {mean:.3f} ({time.perf_counter() - start:.0f} s)", flush=True)
    elif command == "thresholds":
        thresholds(names)
    elif command == "validate":
        validate(names)
    elif command == "ship":
        rows = training_rows(names)
        learnt = [name for name in names if name not in RULES_ONLY]
        note = f"trained on {', '.join(learnt)} ({len(rows)} sentences)"
        model = train(rows, Shape(), note)
        model.save(SHIPPED_MODEL)
        print(note, SHIPPED_MODEL.stat().st_size, "bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
