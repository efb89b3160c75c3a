"""A small learned reading of a caller's sentence, next to the rules of ``voicebot.intents``.

The rules know their lexicons; a word they have no entry for is *content*, and a sentence
of content is a question. This model has no lexicon: it reads hashed character n-grams
(so "revoire", "byeee" and "conseillé" land near the words they spell) and word n-grams
of the rules' normalised words, with what the bot said just before and the call's
language, through a multinomial logistic regression. It was trained offline on the
development sets (``tests/voicebot/fit_intent_model.py``, each set left out in turn to
choose its shape) and ships as a small ``.npz`` next to this file: loaded once, pure
numpy, a fraction of a millisecond per sentence.

The rules stay in charge (``voicebot.intents.classify``): the model is heard only where
the rules fell back to a default, and never ends or hands over a call unless very sure.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt

from guichet.npz import NpzUnreadable, load_npz, save_npz

__all__ = ["SHIPPED_MODEL", "IntentModel", "IntentModelError", "features", "shipped_model"]

SHIPPED_MODEL = Path(__file__).with_name("intent_model.npz")

Vector = npt.NDArray[np.float32]


class IntentModelError(Exception):
    """The model file is missing or unreadable."""


def _hashed(keys: list[str], dim: int) -> dict[int, float]:
    counts: dict[int, float] = {}
    for key in keys:
        index = zlib.crc32(key.encode()) % dim  # stable across runs, unlike hash()
        counts[index] = counts.get(index, 0.0) + 1.0
    return counts


def features(
    tokens: tuple[str, ...],
    lang: str,
    context: str,
    dim: int,
    *,
    chars: tuple[int, int] = (2, 5),
    pairs: bool = True,
) -> tuple[npt.NDArray[np.int64], Vector]:
    """The sentence's hashed feature indices and their weights (unit length).

    ``tokens`` are the rules' normalised words (``voicebot.intents.words``): apostrophes
    put back, spellings made one. Word n-grams carry the phrase; character n-grams the
    spelling of words never seen; the context and its pairing with the first and last
    words carry what depends on what the bot asked ("c'est bon")."""
    padded = ("<s>", *tokens, "</s>")
    keys = [f"c:{context}", f"l:{lang}", f"n:{min(len(tokens), 8)}"]
    keys += [f"w:{t}" for t in tokens]
    keys += [f"b:{a} {b}" for a, b in pairwise(padded)]
    if pairs:
        keys += [f"cf:{context}:{padded[1]}", f"cl:{context}:{padded[-2]}"]
        keys += [f"cw:{context}:{t}" for t in tokens]
    groups: list[dict[int, float]] = [_hashed(keys, dim)]
    text = f" {' '.join(tokens)} "
    low, high = chars
    grams = [f"g:{text[i : i + n]}" for n in range(low, high + 1) for i in range(len(text) - n + 1)]
    groups.append(_hashed(grams, dim))
    merged: dict[int, float] = {}
    for group in groups:  # each group weighs the same, however long the sentence
        norm = float(np.sqrt(sum(v * v for v in group.values()))) or 1.0
        for index, value in group.items():
            merged[index] = merged.get(index, 0.0) + value / norm
    indices = np.fromiter(merged.keys(), dtype=np.int64, count=len(merged))
    values = np.fromiter(merged.values(), dtype=np.float32, count=len(merged))
    values /= max(float(np.linalg.norm(values)), 1e-9)
    return indices, values


@dataclass(frozen=True)
class IntentModel:
    labels: tuple[str, ...]  # the intents, in the order of the weights' columns
    weights: Vector  # (dim, len(labels))
    bias: Vector  # (len(labels),)
    chars: tuple[int, int]  # the character n-gram lengths it was trained with
    pairs: bool  # whether it reads words paired with the context
    note: str = ""  # how it was trained, for the logs

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0])

    def probabilities(self, tokens: tuple[str, ...], lang: str, context: str) -> Vector:
        indices, values = features(
            tokens, lang, context, self.dim, chars=self.chars, pairs=self.pairs
        )
        logits = values @ self.weights[indices] + self.bias
        exp = np.exp(logits - logits.max())
        out: Vector = (exp / exp.sum()).astype(np.float32)
        return out

    def predict(self, tokens: tuple[str, ...], lang: str, context: str) -> tuple[str, float]:
        """The most likely intent and its probability."""
        p = self.probabilities(tokens, lang, context)
        best = int(p.argmax())
        return self.labels[best], float(p[best])

    def save(self, path: Path) -> None:
        save_npz(
            path,
            {
                "weights": self.weights.astype(np.float16),  # half precision: a small file
                "bias": self.bias.astype(np.float32),
                "labels": np.array(self.labels),
                "chars": np.array(self.chars, dtype=np.int64),
                "pairs": np.array(self.pairs),
                "note": np.array(self.note),
            },
        )

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        try:
            data = load_npz(path, ("weights", "bias", "labels", "chars", "pairs", "note"))
            low, high = (int(n) for n in data["chars"])
            weights = data["weights"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
        except (NpzUnreadable, ValueError) as exc:
            raise IntentModelError(f"{path}: unreadable intent model ({exc})") from exc
        labels = tuple(str(label) for label in data["labels"])
        pairs, note = bool(data["pairs"]), str(data["note"])
        if weights.ndim != 2 or weights.shape[1] != len(labels) or bias.shape != (len(labels),):
            raise IntentModelError(f"{path}: weights {weights.shape} do not fit {labels}")
        if not (np.isfinite(weights).all() and np.isfinite(bias).all()):
            raise IntentModelError(f"{path}: the model holds non-finite values")
        return cls(labels, weights, bias, (low, high), pairs, note)


@cache
def shipped_model() -> IntentModel:
    """The model shipped with the package, loaded once."""
    return IntentModel.load(SHIPPED_MODEL)
