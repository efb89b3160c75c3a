"""Voicebot benchmark (not a test): latency, WER and card accuracy on synthesized callers.

Callers speak with the callers' voices of ``tests/support/speech.py`` (espeak-ng +
MBROLA fr4 in French, us1 in English; never the bot's fr1 or Piper joe), through a phone
line (300-3400 Hz, G.711, 8 kHz). Writes ``voicebot.json`` under ``--out``.

    .venv/bin/python tests/bench/bench_voicebot.py --out bench-results [--realtime]
        [--concurrency 4] [--limit 6]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from guichet.settings import load_settings  # noqa: E402
from tests.voicebot.speech import say  # noqa: E402
from voicebot import VoicebotConfig  # noqa: E402
from voicebot.config import asr_model_dir  # noqa: E402
from voicebot.knowledge_port import open_knowledge  # noqa: E402
from voicebot.models import install_whisper_base  # noqa: E402
from voicebot.runtime import load_engines  # noqa: E402
from voicebot.simulate import simulate_file  # noqa: E402

UTTERANCES = [
    ("fr", "À quelle heure ouvre la mairie le samedi matin ?", "horaires-mairie"),
    ("fr", "Je dois obtenir un extrait d'acte de naissance.", "acte-naissance"),
    ("fr", "Comment renouveler ma carte d'identité ?", "cni-demande"),
    ("fr", "Je voudrais faire un passeport pour mon fils.", "passeport-demande"),
    ("fr", "Comment me débarrasser d'un vieux canapé ?", "encombrants"),
    ("fr", "Comment inscrire ma fille à l'école maternelle ?", "inscription-scolaire"),
    ("fr", "Quels sont les horaires de la piscine ?", "piscine"),
    ("fr", "J'ai perdu mes clés dans la rue.", "objets-trouves"),
    ("fr", "Quel temps fera-t-il demain à Tokyo ?", None),
    ("en", "What time does the town hall open?", "town-hall-opening-hours"),
    ("en", "I need a copy of my birth certificate.", "birth-certificate"),
    ("en", "How do I apply for a passport?", "passport-application"),
    ("en", "How do I get rid of an old mattress?", "bulky-waste-collection"),
    ("en", "How can I enrol my son at school?", "school-enrolment"),
    ("en", "My identity card was stolen, what should I do?", "lost-or-stolen-id"),
    ("en", "How do I register to vote?", "electoral-registration"),
    ("en", "What is the best pizza in Rome?", None),
]


def norm_words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower().replace("’", "'"))


def wer(ref: str, hyp: str) -> tuple[int, int]:
    r, h = norm_words(ref), norm_words(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)


def stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p95": None, "n": 0}
    arr = np.asarray(values)
    return {
        "median": round(float(np.median(arr)), 1),
        "p95": round(float(np.percentile(arr, 95)), 1),
        "n": len(values),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--realtime", action="store_true", help="feed at real-time pace")
    parser.add_argument("--concurrency", type=int, default=1, help="simultaneous calls")
    parser.add_argument("--limit", type=int, default=0, help="utterances per language (0: all)")
    args = parser.parse_args()
    settings = load_settings(os.environ)
    install_whisper_base(asr_model_dir(settings))
    index = settings.kb_index_path
    if not (index / "manifest.json").is_file():
        from click.testing import CliRunner  # noqa: PLC0415

        from guichet.shell.cli import cli  # noqa: PLC0415

        index = Path(tempfile.mkdtemp()) / "kb-index"
        CliRunner().invoke(
            cli, ["kb", "ingest", str(ROOT / "knowledge/demo/cards"), "--index", str(index)]
        )
    engines = load_engines(settings)
    knowledge = open_knowledge(index, settings)
    config = VoicebotConfig.from_settings(settings)
    items = UTTERANCES
    if args.limit:
        items = [
            u
            for lang in ("fr", "en")
            for u in [x for x in UTTERANCES if x[0] == lang][: args.limit]
        ]
    folder = Path(tempfile.mkdtemp())
    wavs = [say(q, lang, folder, f"u{i}") for i, (lang, q, _) in enumerate(items)]
    sem = asyncio.Semaphore(args.concurrency)

    async def one(i: int) -> dict[str, Any]:
        lang, question, card = items[i]
        async with sem:
            result = await simulate_file(
                engines,
                knowledge,
                config,
                wavs[i],
                lang=lang,  # type: ignore[arg-type]
                realtime=args.realtime,
            )
        errors, n = wer(question, result.transcript)
        return {
            "lang": lang,
            "question": question,
            "expected": card,
            **result.to_json(),
            "word_errors": errors,
            "words": n,
        }

    started = time.perf_counter()
    rows = await asyncio.gather(*(one(i) for i in range(len(items))))
    wall = time.perf_counter() - started
    report: dict[str, Any] = {
        "machine_cores": os.cpu_count(),
        "realtime": args.realtime,
        "concurrency": args.concurrency,
        "wall_s": round(wall, 1),
    }
    for key in ("asr_ms", "retrieval_ms", "tts_first_audio_ms", "voice_to_voice_ms"):
        report[key] = stats([r["timings"][key] for r in rows if r["timings"][key] is not None])
    for lang in ("fr", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        errors = sum(r["word_errors"] for r in mine)
        total = sum(r["words"] for r in mine)
        right = sum(1 for r in mine if r["card_id"] == r["expected"])
        report[f"{lang}_wer"] = round(errors / max(1, total), 3)
        report[f"{lang}_card_accuracy"] = round(right / max(1, len(mine)), 3)
        report[f"{lang}_voice_to_voice_ms"] = stats(
            [r["timings"]["voice_to_voice_ms"] for r in mine if r["timings"]["voice_to_voice_ms"]]
        )
    report["rows"] = rows
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "voicebot.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    summary = {k: v for k, v in report.items() if k != "rows"}
    print(json.dumps(summary, ensure_ascii=False))
    engines.close()


if __name__ == "__main__":
    asyncio.run(main())
