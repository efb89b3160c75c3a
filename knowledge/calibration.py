"""Calibrated confidence: P(the top card is the right answer | retrieval features).

A logistic regression, fitted in numpy (Newton steps with a small ridge), on labelled
questions: label 1 when the top card is the expected one, 0 when it is another card
or the question is out of scope. Answering only above an operating point on that
probability is what "abstain when unsure" means here, rather than a threshold on a raw
similarity eyeballed on a few examples.
"""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from knowledge.errors import KnowledgeError
from knowledge.retrieve import FEATURES, FusionWeights

FloatArray = npt.NDArray[np.float64]
# YAML (JSON is a subset) so that package data globs ship it.
SHIPPED = Path(__file__).with_name("calibration.yaml")
log = logging.getLogger(__name__)
INDEX_FILE = "calibration.json"


@dataclass
class Calibrator:
    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    bias: float
    fusion: FusionWeights = field(default_factory=FusionWeights)
    report: dict[str, Any] = field(default_factory=dict)

    def probability(self, x: FloatArray) -> float:
        z = float(((x - self.mean) / self.scale) @ self.weights + self.bias)
        return float(1.0 / (1.0 + np.exp(-z)))

    @classmethod
    def fit(
        cls, x: FloatArray, y: npt.NDArray[np.int_], fusion: FusionWeights, ridge: float = 1.0
    ) -> Calibrator:
        if len(set(y.tolist())) < 2:
            raise KnowledgeError("calibration needs both right and wrong top answers")
        mean = x.mean(axis=0)
        scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
        xs = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
        w = np.zeros(xs.shape[1])
        penalty = np.eye(xs.shape[1]) * ridge
        penalty[-1, -1] = 0.0  # the intercept is not shrunk
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-(xs @ w)))
            grad = xs.T @ (p - y) + penalty @ w
            hess = (xs * (p * (1 - p))[:, None]).T @ xs + penalty
            step = np.linalg.solve(hess, grad)
            w -= step
            if float(np.abs(step).max()) < 1e-8:
                break
        return cls(mean, scale, w[:-1], float(w[-1]), fusion)

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "fusion": self.fusion.to_dict(),
            "report": self.report,
        }

    def save(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, path: Path) -> Calibrator:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if list(data["features"]) != list(FEATURES):
                raise KnowledgeError(f"{path}: fitted on other features; refit it")
            return cls(
                mean=np.asarray(data["mean"], dtype=np.float64),
                scale=np.asarray(data["scale"], dtype=np.float64),
                weights=np.asarray(data["weights"], dtype=np.float64),
                bias=float(data["bias"]),
                fusion=FusionWeights(**data.get("fusion", {})),
                report=dict(data.get("report", {})),
            )
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"{path}: unreadable calibration ({exc})") from exc


def untrained() -> Calibrator:
    """A placeholder that is never confident (p = 0.5 minus a margin): abstains at any
    sensible operating point. Only used to fit the first calibration."""
    n = len(FEATURES)
    return Calibrator(np.zeros(n), np.ones(n), np.zeros(n), -1.0, report={"untrained": True})


def load_calibrator(index_path: Path, override: Path | None = None) -> Calibrator:
    """The explicit file, else one fitted for this index, else the shipped one.

    An index's own calibration fitted on an older feature set is skipped (with a
    warning) rather than fatal: the desk keeps answering with the shipped one until
    ``kb calibrate`` is run again."""
    if override is not None:
        if not override.is_file():
            raise KnowledgeError(f"{override}: calibration file not found")
        return Calibrator.load(override)
    local = index_path / INDEX_FILE
    if local.is_file():
        try:
            return Calibrator.load(local)
        except KnowledgeError as exc:
            log.warning("ignoring %s, using the shipped calibration: %s", local, exc)
    if SHIPPED.is_file():
        return Calibrator.load(SHIPPED)
    return untrained()


def reliability(p: FloatArray, y: npt.NDArray[np.int_], bins: int = 10) -> dict[str, Any]:
    """Brier score, expected calibration error and the reliability table."""
    edges = np.linspace(0, 1, bins + 1)
    table = []
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if mask.any():
            conf, acc = float(p[mask].mean()), float(y[mask].mean())
            ece += mask.mean() * abs(conf - acc)
            table.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": int(mask.sum()),
                    "mean_p": round(conf, 3),
                    "accuracy": round(acc, 3),
                }
            )
    return {
        "brier": round(float(((p - y) ** 2).mean()), 4),
        "ece": round(float(ece), 4),
        "table": table,
    }
