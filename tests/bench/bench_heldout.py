"""Held-out evaluation (not a test): answer-or-abstain on both knowledge bases, by text
and by voice. Writes ``heldout.json`` under ``--out``.

    .venv/bin/python tests/bench/bench_heldout.py --out bench-results \
        [--voice fourth_commune ...] [--limit N]

Sets never used to fit or tune anything (see tests/heldout/README.md):

- the demo commune's ``test`` split (``knowledge/demo/eval.jsonl``: the calibration
  shipped was fitted on its ``fit`` split only);
- the second commune (``tests/heldout/commune``): its own cards and questions, written
  blind by another author;
- the third commune (``tests/heldout/commune3``): the same, by a third author, written
  after the second commune's figures were known;
- the fourth commune (``tests/heldout/commune4``): the same, by a fourth author, written
  after the third commune's figures were known.

Text: each question goes through ``KnowledgeBase.answer`` (what the calls use), with the
default calibration. Figures per language: answered-correct (of in-scope questions),
precision (of answers given), out-of-scope abstained, plus the confirm band when the
knowledge base reports one.

Voice (``--voice NAME``, for each commune named): each of its questions is spoken by a
test caller's voice, never the bot's (``tests/support/speech.py``), put on a phone line
(300-3400 Hz, G.711, 8 kHz), and run through the live pipeline (``voicebot.simulate``:
VAD, Whisper, the knowledge base, the dialog) as ``guichet voicebot simulate --batch``
does. Right card is the card the bot answers (or offers to confirm) being the expected
one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from guichet.settings import load_settings  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.embeddings import get_embedder  # noqa: E402
from knowledge.evaluate import EvalItem, evaluate, read_questions  # noqa: E402
from knowledge.index import ingest  # noqa: E402
from tests.support.machine import machine  # noqa: E402

DEMO_CARDS = ROOT / "knowledge" / "demo" / "cards"
DEMO_EVAL = ROOT / "knowledge" / "demo" / "eval.jsonl"
COMMUNES = {
    "second_commune": ROOT / "tests" / "heldout" / "commune",
    "third_commune": ROOT / "tests" / "heldout" / "commune3",
    "fourth_commune": ROOT / "tests" / "heldout" / "commune4",
}


def build_kb(cards: Path, index: Path) -> KnowledgeBase:
    settings = load_settings(os.environ)
    report = ingest(cards, index, get_embedder(settings.kb_embedding_model))
    if report.errors:
        raise SystemExit(f"{cards}: {report.errors}")
    return KnowledgeBase.open(index, settings)


def kinds(path: Path) -> dict[str, str]:
    """question → kind (direct, paraphrase, spoken, asr, near, out)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[row["q"]] = row.get("kind", "")
    return out


def text_figures(
    kb: KnowledgeBase, items: list[EvalItem], kind_of: dict[str, str]
) -> dict[str, Any]:
    result = evaluate(kb, items)
    # the right rate per kind of question, and the time of one answer, in one more pass
    per_kind: dict[str, Counter[str]] = {}
    started = time.perf_counter()
    for item in items:
        answer = kb.answer(item.q, item.lang)
        counter = per_kind.setdefault(kind_of.get(item.q, "") or "-", Counter())
        counter["n"] += 1
        right = answer.abstained if item.expect is None else answer.card_id == item.expect
        counter["right"] += right
    per_question_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
    return {
        "by_lang": result.by_lang,
        "overall": result.overall,
        "right_by_kind": {
            k: {"n": c["n"], "right": round(c["right"] / c["n"], 3)}
            for k, c in sorted(per_kind.items())
        },
        "mean_answer_ms": round(per_question_ms, 1),
        "mistakes": result.mistakes,
    }


async def voice_figures(index: Path, items: list[EvalItem], limit: int) -> dict[str, Any]:
    from tests.support.speech import caller_sentence  # noqa: PLC0415
    from tests.voicebot.speech import phone_wav  # noqa: PLC0415
    from voicebot import VoicebotConfig  # noqa: PLC0415
    from voicebot.config import asr_model_dir  # noqa: PLC0415
    from voicebot.knowledge_port import open_knowledge  # noqa: PLC0415
    from voicebot.models import install_whisper_base  # noqa: PLC0415
    from voicebot.runtime import load_engines  # noqa: PLC0415
    from voicebot.simulate import simulate_file  # noqa: PLC0415

    # the commune's own index, as a city's installation has it: Whisper's prompt is made
    # from its cards (before 2026-11-30 this took the data directory's index, or the
    # generic prompt: about 6 points of French right cards lower on a development commune)
    settings = load_settings(os.environ).model_copy(update={"kb_index": index})
    install_whisper_base(asr_model_dir(settings))
    engines = load_engines(settings)
    knowledge = open_knowledge(index, settings)
    config = VoicebotConfig.from_settings(settings)
    if limit:
        items = [i for lang in ("fr", "en") for i in [x for x in items if x.lang == lang][:limit]]
    folder = Path(tempfile.mkdtemp())
    rows = []
    try:
        for n, item in enumerate(items):
            samples = caller_sentence(item.q, folder / f"q{n}-raw.wav", lang=item.lang)
            wav = phone_wav(samples, 8000, folder / f"q{n}.wav")
            result = await simulate_file(
                engines,
                knowledge,
                config,
                wav,
                lang=item.lang,  # type: ignore[arg-type]
            )
            rows.append({"q": item.q, "lang": item.lang, "expect": item.expect, **result.to_json()})
    finally:
        engines.close()

    def rate(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    figures: dict[str, Any] = {}
    for lang in ("fr", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        in_scope = [r for r in mine if r["expect"] is not None]
        oos = [r for r in mine if r["expect"] is None]
        answered = [r for r in mine if not r["abstained"] and r["card_id"]]
        right = [r for r in answered if r["card_id"] == r["expect"]]
        figures[lang] = {
            "questions": len(mine),
            "right_card": rate(len(right), len(in_scope)),
            "precision": rate(len(right), len(answered)),
            "oos_abstain": rate(
                sum(1 for r in oos if r["abstained"] or not r["card_id"]), len(oos)
            ),
            "answered": len(answered),
        }
    return {"by_lang": figures, "rows": rows}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--voice",
        action="append",
        default=[],
        choices=sorted(COMMUNES),
        help="also by voice, for this commune (slow; repeatable)",
    )
    parser.add_argument("--limit", type=int, default=0, help="voice: questions per language")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    report: dict[str, Any] = {"machine": machine()}
    demo = build_kb(DEMO_CARDS, work / "demo")
    demo_items = [i for i in read_questions(DEMO_EVAL, need_expect=True) if i.split == "test"]
    report["demo_test_split"] = text_figures(demo, demo_items, kinds(DEMO_EVAL))
    summary: dict[str, Any] = {"demo_test_split": report["demo_test_split"]["by_lang"]}
    for name, folder in COMMUNES.items():
        questions = folder / "questions.jsonl"
        kb = build_kb(folder / "cards", work / name)
        items = read_questions(questions, need_expect=True)
        report[name] = text_figures(kb, items, kinds(questions))
        summary[name] = report[name]["by_lang"]
        summary[f"{name}_by_kind"] = report[name]["right_by_kind"]
        if name in args.voice:
            report[f"{name}_voice"] = await voice_figures(work / name, items, args.limit)
            summary[f"{name}_voice"] = report[f"{name}_voice"]["by_lang"]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "heldout.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
