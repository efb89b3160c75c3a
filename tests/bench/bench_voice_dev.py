"""Voice path on a DEVELOPMENT commune (not a test): where do the spoken answers get lost?

    .venv/bin/python tests/bench/bench_voice_dev.py --folder tests/knowledge/dev_commune4 \
        --out bench-results [--limit N] [--mode pipeline|asr] [--hints index|generic|none] \
        [--beam N] [--margin N] [--prompt-chars N] [--lang fr|en] [--tag NAME]

Each question of the commune (``questions.jsonl`` + ``cards/``; never a held-out set) is
spoken with test voices that are neither the bot's (MBROLA fr1, Piper joe) nor the
held-out bench's (MBROLA fr4, en1): MBROLA fr2 for French, us1 for English by default. It
goes on a phone line (``tests/voicebot/speech.py`` ``phone_wav``) and then through:

- ``--mode pipeline`` (default): the live pipeline as ``guichet voicebot simulate --batch``
  runs it (``voicebot.simulate.simulate_file``: VAD, Whisper, the knowledge base, the
  dialog), exactly as ``tests/bench/bench_heldout.py`` ``voice_figures`` does;
- ``--mode asr``: a quicker look for trying ASR options: the whole phone recording
  (16 kHz) straight into the engine's ``transcribe``, then ``KnowledgeBase.answer`` on the
  transcript (no VAD, no dialog). Comparing both tells what the VAD's cutting costs.

Per question it records the transcript, the card the bot answered or offered to confirm,
whether it is right, and the text path's answer to the written question, so that a loss
can be put down to speech recognition (text right, voice wrong: kind "a") or to retrieval
(both wrong: kind "b"). Writes ``voice-dev-<commune>-<tag>.json`` under ``--out`` and prints
the figures per language.

The ASR prompt (``--hints``): ``index`` is what a deployed city gets (the commune's own
cards, ``knowledge.vocabulary``); ``generic`` is the fallback prompt used when no index is
found (what ``bench_heldout.py`` gets unless ``GUICHET_KB_INDEX`` names the commune's
index); ``none`` is no prompt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from guichet.settings import load_settings  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.embeddings import get_embedder  # noqa: E402
from knowledge.evaluate import EvalItem, read_questions  # noqa: E402
from knowledge.index import ingest  # noqa: E402
from tests.support.machine import machine  # noqa: E402

VOICES = {"fr": "mb-fr2", "en": "mb-us1"}  # not the bot's, not the held-out bench's


def spoken(item: EvalItem, n: int, cache: Path, voice: str) -> Path:
    """The question on a phone line (cached: espeak-ng is deterministic)."""
    from tests.support.speech import caller_sentence  # noqa: PLC0415
    from tests.voicebot.speech import phone_wav  # noqa: PLC0415

    wav = cache / f"{voice}-{n:03d}.wav"
    if not wav.exists():
        samples = caller_sentence(item.q, cache / f"{voice}-{n:03d}-raw.wav", item.lang, voice)
        phone_wav(samples, 8000, wav)
    return wav


def rate(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lang in ("fr", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        in_scope = [r for r in mine if r["expect"] is not None]
        oos = [r for r in mine if r["expect"] is None]
        answered = [r for r in mine if r["card_id"] and not r["abstained"]]
        right = [r for r in answered if r["card_id"] == r["expect"]]
        text_right = [r for r in in_scope if r["text_right"]]
        loss_a = [r for r in in_scope if r["text_right"] and not r["right"]]
        loss_b = [r for r in in_scope if not r["text_right"] and not r["right"]]
        gain = [r for r in in_scope if not r["text_right"] and r["right"]]
        asr = [r["asr_ms"] for r in mine if r.get("asr_ms") is not None]
        out[lang] = {
            "questions": len(mine),
            "right_card": rate(len(right), len(in_scope)),
            "precision": rate(len(right), len(answered)),
            "oos_abstain": rate(
                sum(1 for r in oos if not r["card_id"] or r["abstained"]), len(oos)
            ),
            "answered": len(answered),
            "text_right_card": rate(len(text_right), len(in_scope)),
            "loss_a_text_right_voice_wrong": len(loss_a),
            "loss_b_both_wrong": len(loss_b),
            "voice_right_text_wrong": len(gain),
            "asr_ms_mean": round(statistics.mean(asr), 1) if asr else None,
            "asr_ms_p95": round(sorted(asr)[int(0.95 * (len(asr) - 1))], 1) if asr else None,
        }
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from voicebot import VoicebotConfig  # noqa: PLC0415
    from voicebot.audio import resample  # noqa: PLC0415
    from voicebot.knowledge_port import open_knowledge  # noqa: PLC0415
    from voicebot.runtime import ASR_HINTS, load_engines  # noqa: PLC0415
    from voicebot.simulate import load_caller_audio, simulate_file  # noqa: PLC0415

    folder: Path = args.folder
    work = Path(tempfile.mkdtemp())
    index = work / "index"
    overrides: dict[str, Any] = {"kb_index": str(index)}
    if args.beam:
        overrides["asr_beam_size"] = args.beam
    if args.margin:
        overrides["asr_margin_frames"] = args.margin
    settings = load_settings(os.environ, overrides)
    report = ingest(folder / "cards", index, get_embedder(settings.kb_embedding_model))
    if report.errors:
        raise SystemExit(f"{folder}: {report.errors}")
    kb = KnowledgeBase.open(index, settings)
    # Numbered by their place in the file, which names their cached recording: a subset
    # (--lang, --limit) must not pick up another question's audio.
    numbered = list(enumerate(read_questions(folder / "questions.jsonl", need_expect=True)))
    langs = (args.lang,) if args.lang else ("fr", "en")
    numbered = [
        pair
        for lang in langs
        for pair in [p for p in numbered if p[1].lang == lang][: args.limit or None]
    ]
    numbered.sort(key=lambda pair: pair[0])
    engines = load_engines(settings)  # the prompt from the commune's index, as deployed
    asr: Any = engines.asr
    if args.hints == "generic":
        asr.hints = dict(ASR_HINTS)
    elif args.hints == "none":
        asr.hints = {}
    elif args.prompt_chars:
        from knowledge import index_asr_hints  # noqa: PLC0415

        asr.hints = index_asr_hints(index, args.prompt_chars)
    knowledge = open_knowledge(index, settings)
    config = VoicebotConfig.from_settings(settings)
    cache = args.cache / folder.name
    cache.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for n, item in numbered:
            text = kb.answer(item.q, item.lang)
            wav = spoken(item, n, cache, VOICES[item.lang])
            row: dict[str, Any] = {"q": item.q, "lang": item.lang, "expect": item.expect}
            if args.mode == "pipeline":
                result = await simulate_file(engines, knowledge, config, wav, lang=item.lang)  # type: ignore[arg-type]
                row |= {
                    "transcript": result.transcript,
                    "card_id": result.card_id,
                    "abstained": result.abstained,
                    "asr_ms": result.timings.get("asr_ms"),
                    "turns": result.turns,
                    "notes": result.notes,
                }
            else:
                samples, sr, _ = load_caller_audio(wav)
                heard = asr.transcribe(resample(samples, sr, 16000), item.lang)
                voice = kb.answer(heard.text, item.lang) if heard.text else None
                row |= {
                    "transcript": heard.text,
                    "card_id": voice.card_id if voice else None,
                    "abstained": voice.abstained if voice else True,
                    "asr_ms": round(heard.ms, 1),
                    "rejected": heard.rejected,
                }
            row["right"] = bool(
                row["card_id"] and not row["abstained"] and row["card_id"] == item.expect
            )
            row["text_card_id"] = None if text.abstained else text.card_id
            row["text_right"] = (not text.abstained) and text.card_id == item.expect
            rows.append(row)
    finally:
        engines.close()
    return {
        "machine": machine(),
        "folder": str(folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder),
        "mode": args.mode,
        "hints": args.hints,
        "prompt": asr.hints,
        "beam": settings.asr_beam_size,
        "margin_frames": settings.asr_margin_frames,
        "voices": VOICES,
        "seconds": round(time.perf_counter() - started, 1),
        "by_lang": figures(rows),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, default=ROOT / "tests/knowledge/dev_commune4")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench-results" / "voice-dev-wavs")
    parser.add_argument("--mode", choices=("pipeline", "asr"), default="pipeline")
    parser.add_argument("--hints", choices=("index", "generic", "none"), default="index")
    parser.add_argument("--beam", type=int, default=0, help="asr_beam_size (0: settings)")
    parser.add_argument("--margin", type=int, default=0, help="asr_margin_frames (0: settings)")
    parser.add_argument("--prompt-chars", type=int, default=0, help="index prompt length cap")
    parser.add_argument("--limit", type=int, default=0, help="questions per language")
    parser.add_argument("--lang", choices=("fr", "en"), help="only this language's questions")
    parser.add_argument("--tag", default="run")
    args = parser.parse_args()
    args.folder = args.folder.resolve()
    result = asyncio.run(run(args))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"voice-dev-{args.folder.name}-{args.tag}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        json.dumps(
            {k: result[k] for k in ("mode", "hints", "beam", "seconds", "by_lang")}, indent=1
        )
    )
    print(path)


if __name__ == "__main__":
    main()
