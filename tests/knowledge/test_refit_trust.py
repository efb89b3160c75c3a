"""Too few labelled questions to trust a refit: `kb eval` says so, `kb calibrate` refuses."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from guichet.shell.cli import cli
from knowledge.evaluate import (
    MIN_REFIT_OUT_OF_SCOPE,
    MIN_REFIT_QUESTIONS,
    EvalItem,
    read_questions,
    refit_trust,
)

from .conftest import DEMO_EVAL, DEV_QUESTIONS


def kb(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), "kb", *args])
    return result.exit_code, result.stdout, result.stderr


def test_thresholds_count_questions_and_out_of_scope_apart() -> None:
    enough = [EvalItem(f"q{n}", "fr", None if n < 25 else "x") for n in range(120)]
    assert refit_trust(enough).enough and refit_trust(enough).warning is None
    few_oos = [EvalItem(f"q{n}", "fr", None if n < 5 else "x") for n in range(200)]
    assert not refit_trust(few_oos).enough
    assert f"{MIN_REFIT_OUT_OF_SCOPE} out of scope" in (refit_trust(few_oos).warning or "")
    few = enough[:60]
    assert not refit_trust(few).enough
    assert str(MIN_REFIT_QUESTIONS) in (refit_trust(few).warning or "")


def test_eval_warns_when_a_kb_has_too_few_labelled_questions(
    dev_index: Path, tmp_path: Path
) -> None:
    code, out, err = kb(tmp_path, "eval", str(DEV_QUESTIONS), "--index", str(dev_index))
    assert code == 0
    assert "too few labelled questions to trust a refit" in err
    code, out, _ = kb(tmp_path, "eval", str(DEV_QUESTIONS), "--index", str(dev_index), "--json")
    trust = json.loads(out)["refit_trust"]
    fit_part = [i for i in read_questions(DEV_QUESTIONS, need_expect=True) if i.split == "fit"]
    assert trust["questions"] == len(fit_part) < MIN_REFIT_QUESTIONS
    assert trust["enough"] is False and trust["warning"]


def test_eval_is_quiet_when_there_are_enough(demo_index: Path, tmp_path: Path) -> None:
    code, out, err = kb(
        tmp_path, "eval", str(DEMO_EVAL), "--index", str(demo_index), "--split", "test", "--json"
    )
    assert code == 0
    assert json.loads(out)["refit_trust"]["enough"] is True
    assert "too few" not in err


def test_calibrate_refuses_too_few_questions_unless_told(dev_index: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "cal.json"
    code, _, err = kb(
        tmp_path,
        "calibrate",
        str(DEV_QUESTIONS),
        "--index",
        str(dev_index),
        "--out",
        str(out_file),
    )
    assert code == 1
    assert "too few labelled questions" in err and "--allow-few" in err
    assert not out_file.exists()
    code, _, err = kb(
        tmp_path,
        "calibrate",
        str(DEV_QUESTIONS),
        "--index",
        str(dev_index),
        "--out",
        str(out_file),
        "--allow-few",
    )
    assert code == 0, err
    assert "warning: too few labelled questions" in err
    report = json.loads(out_file.read_text(encoding="utf-8"))["report"]
    assert report["refit_trust"]["enough"] is False
