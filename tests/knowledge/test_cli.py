"""``guichet kb …`` through click: exit statuses, messages and the --batch contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from guichet.shell.cli import cli

from .conftest import DEMO_CARDS


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def kb(runner: CliRunner, home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["--home", str(home), "kb", *args])
    return result.exit_code, result.stdout, result.stderr


def test_ingest_reports_a_bad_card_and_exits_non_zero(
    runner: CliRunner, small_kb_dir: Path, tmp_path: Path
) -> None:
    (small_kb_dir / "casse.md").write_text("---\nid: autre\n---\nTexte.\n", encoding="utf-8")
    code, out, err = kb(runner, tmp_path / "home", "ingest", str(small_kb_dir))
    assert code == 1
    assert f"error: {small_kb_dir / 'casse.md'}: " in err
    assert "5 cards" in out
    # The default index is <home>/kb-index, and the good cards are in it.
    code, out, _ = kb(runner, tmp_path / "home", "ask", "horaires de la mairie", "--json")
    assert code == 0
    assert json.loads(out)["card_id"] == "horaires-mairie"


def test_ingest_ok_exits_zero(runner: CliRunner, small_kb_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    code, out, err = kb(runner, tmp_path, "ingest", str(small_kb_dir), "--index", str(index))
    assert (code, err) == (0, "")
    assert "5 added" in out
    code, out, _ = kb(runner, tmp_path, "ingest", str(small_kb_dir), "--index", str(index))
    assert code == 0
    assert "5 unchanged" in out


def test_ask_without_index_fails_cleanly(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = kb(runner, tmp_path, "ask", "bonjour", "--index", str(tmp_path / "none"))
    assert code == 1
    assert "no knowledge index" in err


def test_ask_human_and_json(runner: CliRunner, demo_index: Path, tmp_path: Path) -> None:
    code, out, _ = kb(
        runner, tmp_path, "ask", "comment refaire mon passeport", "--index", str(demo_index)
    )
    assert code == 0
    assert out.startswith("[passeport-demande")
    code, out, _ = kb(
        runner,
        tmp_path,
        "ask",
        "how do I get a hunting licence",
        "--lang",
        "en",
        "--index",
        str(demo_index),
        "--json",
    )
    line = json.loads(out)
    assert line["abstained"] is True
    assert line["card_id"] is None and line["answer"] is None
    assert line["lang"] == "en"


def test_batch_keeps_order_and_shape(runner: CliRunner, demo_index: Path, tmp_path: Path) -> None:
    questions = [
        {"q": "je voudrais faire ma carte d'identité", "lang": "fr"},
        {"q": "permis de chasser", "lang": "fr"},
        {"q": "when is the town hall open", "lang": "en"},
        {"q": "les horaires de la piscine", "lang": "fr"},
    ]
    batch = tmp_path / "q.jsonl"
    batch.write_text("\n".join(json.dumps(q) for q in questions) + "\n", encoding="utf-8")
    code, out, _ = kb(
        runner, tmp_path, "ask", "--batch", str(batch), "--index", str(demo_index), "--json"
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [x["q"] for x in lines] == [q["q"] for q in questions]
    assert [x["lang"] for x in lines] == [q["lang"] for q in questions]
    for x in lines:
        assert {"q", "abstained", "card_id", "score", "answer", "lang", "candidates"} <= set(x)
        assert isinstance(x["abstained"], bool)
        assert isinstance(x["score"], float)
        assert (x["card_id"] is None) == x["abstained"] == (x["answer"] is None)
        assert all(set(c) >= {"card_id", "score"} for c in x["candidates"])
    assert [x["card_id"] for x in lines] == [
        "cni-demande",
        None,
        "town-hall-opening-hours",
        "piscine",
    ]


def test_batch_with_a_bad_line_names_it(
    runner: CliRunner, demo_index: Path, tmp_path: Path
) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"q": "ok"}\n{"question": "oops"}\n', encoding="utf-8")
    code, _, err = kb(runner, tmp_path, "ask", "--batch", str(batch), "--index", str(demo_index))
    assert code == 1
    assert f"{batch}:2" in err


def test_eval_prints_metrics_per_language(
    runner: CliRunner, demo_index: Path, tmp_path: Path
) -> None:
    evalset = tmp_path / "e.jsonl"
    evalset.write_text(
        "\n".join(
            json.dumps(x)
            for x in [
                {"q": "refaire mon passeport", "lang": "fr", "expect": "passeport-demande"},
                {"q": "carte grise", "lang": "fr", "expect": None},
                {"q": "I need my birth certificate", "lang": "en", "expect": "birth-certificate"},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    code, out, _ = kb(runner, tmp_path, "eval", str(evalset), "--index", str(demo_index))
    assert code == 0
    assert "answered-correct" in out and "precision" in out
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(rows) == {"en", "fr", "all"}
    code, out, _ = kb(runner, tmp_path, "eval", str(evalset), "--index", str(demo_index), "--json")
    metrics = json.loads(out)
    assert metrics["by_lang"]["fr"]["oos_abstain"] == 1.0
    assert metrics["overall"]["answered_correct"] == 1.0


def test_ingest_the_demo_folder_ignores_non_cards(runner: CliRunner, tmp_path: Path) -> None:
    # `make run` ingests knowledge/demo: the eval set and READMEs beside cards are not cards.
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_CARDS, folder / "cards")
    (folder / "README.md").write_text("# Demo\n", encoding="utf-8")
    (folder / "eval.jsonl").write_text("{}\n", encoding="utf-8")
    code, out, err = kb(runner, tmp_path, "ingest", str(folder), "--index", str(tmp_path / "i"))
    assert (code, err) == (0, "")
    assert f"{len(list(DEMO_CARDS.glob('*.md')))} cards" in out
