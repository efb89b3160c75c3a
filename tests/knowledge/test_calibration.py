"""The confidence model: a proper fit, and refitting through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from guichet.shell.cli import cli
from knowledge.calibration import INDEX_FILE, SHIPPED, Calibrator, load_calibrator, reliability
from knowledge.retrieve import FEATURES, FusionWeights

from .conftest import DEMO_EVAL


def test_logistic_fit_orders_and_calibrates() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, len(FEATURES)))
    true_p = 1 / (1 + np.exp(-(2 * x[:, 0] - x[:, 1])))
    y = (rng.random(2000) < true_p).astype(int)
    model = Calibrator.fit(x, y, FusionWeights())
    p = np.array([model.probability(row) for row in x])
    assert model.weights[0] > 1.5 and model.weights[1] < -0.5
    assert reliability(p, y)["ece"] < 0.05


def test_calibrate_command_writes_a_loadable_file(demo_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.json"
    result = CliRunner().invoke(
        cli,
        [
            "--home",
            str(tmp_path),
            "kb",
            "calibrate",
            str(DEMO_EVAL),
            "--index",
            str(demo_index),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert data["report"]["held_out"]["overall"]["questions"] >= 80
    assert Calibrator.load(out).fusion == FusionWeights(**data["fusion"])


def test_an_index_calibration_from_older_features_falls_back_to_the_shipped_one(
    tmp_path: Path,
) -> None:
    stale = json.loads(SHIPPED.read_text(encoding="utf-8"))
    stale["features"] = ["dense_top", "dense_peak"]
    (tmp_path / INDEX_FILE).write_text(json.dumps(stale), encoding="utf-8")
    loaded = load_calibrator(tmp_path)
    assert list(loaded.weights) == list(Calibrator.load(SHIPPED).weights)
