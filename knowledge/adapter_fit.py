"""Learning the query adapter (:mod:`knowledge.adapter`) from labelled questions.

Per knowledge base: the index's card vectors and the questions' vectors with their
card (out-of-scope questions: the anchors, given as one more card). A card's score is
its best vector's cosine with the mapped question (as the retrieval ranks); the loss is
the softmax cross-entropy of the right card against all the others of the same KB, at
temperature ``tau``, plus ``penalty`` x the squared distance of the matrix to the
identity, which is what keeps a few hundred questions from being learnt by heart. Plain
numpy and Adam: a few seconds per hundred steps.

The defaults below were chosen by leaving each development commune out in turn and
measuring its top-1 (``tests/knowledge/fit_query_adapter.py``); they were never looked
at on a held-out commune."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["AdapterFit", "TrainingSet", "card_scores", "fit_adapter", "top1"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int_]


@dataclass(frozen=True)
class TrainingSet:
    passages: FloatArray  # (n_vectors, dim), unit vectors as the index holds them
    owner: IntArray  # (n_vectors,) the card (0..n_cards-1) each vector belongs to
    questions: FloatArray  # (n_questions, dim), unit vectors
    answers: IntArray  # (n_questions,) each question's card

    @property
    def cards(self) -> int:
        return int(self.owner.max()) + 1 if len(self.owner) else 0


@dataclass(frozen=True)
class AdapterFit:
    penalty: float = 0.01
    tau: float = 0.05
    steps: int = 200
    learning_rate: float = 0.003


def card_scores(mapped: FloatArray, data: TrainingSet) -> tuple[FloatArray, IntArray]:
    """Each card's best vector similarity to each question, and which vector it is."""
    sims = mapped @ data.passages.T
    scores = np.full((len(mapped), data.cards), -9.0)
    best = np.zeros((len(mapped), data.cards), dtype=np.int_)
    rows = np.arange(len(mapped))
    for card in range(data.cards):
        own = np.flatnonzero(data.owner == card)
        if not len(own):
            continue
        pick = sims[:, own].argmax(axis=1)
        scores[:, card] = sims[rows, own[pick]]
        best[:, card] = own[pick]
    return scores, best


def _map(questions: FloatArray, matrix: FloatArray) -> tuple[FloatArray, FloatArray]:
    raw = questions @ matrix.T
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    return raw / norms, norms


def top1(data: TrainingSet, matrix: FloatArray | None) -> float:
    """Share of questions whose best card is the right one (matrix None: unmapped)."""
    if not len(data.questions):
        return 0.0
    mapped = data.questions if matrix is None else _map(data.questions, matrix)[0]
    scores, _ = card_scores(mapped, data)
    return float((scores.argmax(axis=1) == data.answers).mean())


def fit_adapter(sets: Sequence[TrainingSet], fit: AdapterFit = AdapterFit()) -> FloatArray:
    dim = sets[0].questions.shape[1]
    eye = np.eye(dim)
    matrix = eye.copy()
    first, second = np.zeros_like(matrix), np.zeros_like(matrix)
    total = sum(len(s.questions) for s in sets)
    for step in range(1, fit.steps + 1):
        grad = np.zeros_like(matrix)
        for data in sets:
            mapped, norms = _map(data.questions, matrix)
            scores, best = card_scores(mapped, data)
            logits = scores / fit.tau
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            prob[np.arange(len(data.answers)), data.answers] -= 1.0  # d loss / d logits
            # through the max (the best vector carries the gradient), the cosine and
            # the re-normalisation of the mapped question
            d_mapped = np.einsum("ic,icd->id", prob / fit.tau, data.passages[best])
            d_mapped -= mapped * (mapped * d_mapped).sum(axis=1, keepdims=True)
            grad += (d_mapped / norms).T @ data.questions
        grad = grad / total + fit.penalty * (matrix - eye)
        first = 0.9 * first + 0.1 * grad
        second = 0.999 * second + 0.001 * grad * grad
        step_size = fit.learning_rate / (1 - 0.9**step)
        matrix -= step_size * first / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return matrix
