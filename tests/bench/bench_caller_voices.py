"""Caller-voice benchmark (not a test): how well Whisper base understands each test
caller's voice on a phone line, beside the bot's own voices that callers used to speak
with. Writes ``caller_voices.json`` under ``--out``.

    .venv/bin/python tests/bench/bench_caller_voices.py --out bench-results [--rates 130,150]

Method
------
The same sentences (written for this benchmark: not the demo cards' example questions,
not the held-out set) are spoken by each voice: the callers' MBROLA voices of
``tests/support/speech.py`` (fr4, fr2; us1, en1) and, as the baseline, the bot's voices
(espeak-ng MBROLA fr1 at the rate test callers used, Piper joe as the bot loads it).
Each recording goes through the phone line of the tests (``voicebot.audio.telephone``:
8 kHz, 300-3400 Hz, G.711), is resampled to 16 kHz and transcribed by the project's
``WhisperAsr`` as the bot loads it (Whisper base, int8, its domain hints), with the
language given. Callers speak at each voice's own rate (``VOICE_RATE_WPM``, chosen from
this benchmark's figures), or at each of ``--rates``. WER is word-level Levenshtein
distance over the reference's word count, after lower-casing and dropping punctuation;
it is pooled per voice (errors / words).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from guichet.settings import load_settings  # noqa: E402
from tests.bench.bench_voicebot import wer  # noqa: E402
from tests.support.speech import CALLER_VOICES, RATE_WPM, VOICE_RATE_WPM, speak  # noqa: E402
from voicebot.audio import Float32Array, read_wav, resample, telephone  # noqa: E402
from voicebot.config import asr_model_dir  # noqa: E402
from voicebot.models import install_whisper_base  # noqa: E402
from voicebot.runtime import Engines, load_engines  # noqa: E402

# Written for this benchmark: what callers of a town hall might say, and a few sentences
# off the town hall's topics. No figures (Whisper writes them as digits).
SENTENCES: dict[str, list[str]] = {
    "fr": [
        "Bonjour, je voudrais prendre rendez-vous pour un passeport.",
        "Ma fille a perdu sa carte d'identité pendant les vacances.",
        "Est-ce que la mairie est ouverte entre midi et deux heures ?",
        "Je viens de déménager et je dois changer mon adresse.",
        "Comment faire pour inscrire mon fils à la crèche municipale ?",
        "Nous allons nous marier au printemps prochain.",
        "Il y a un lampadaire cassé devant chez moi depuis une semaine.",
        "Je voudrais réserver la salle des fêtes pour un anniversaire.",
        "Où dois-je déposer mes vieux meubles et mon réfrigérateur ?",
        "Mon voisin fait beaucoup de bruit tous les soirs.",
        "Pouvez-vous me passer le service de l'urbanisme, s'il vous plaît ?",
        "J'ai besoin d'une copie de l'acte de décès de mon père.",
        "La cantine de l'école propose-t-elle des repas sans viande ?",
        "Je souhaite déclarer la naissance de mon bébé.",
        "Quels papiers faut-il apporter pour se faire recenser ?",
        "Le marché du dimanche a-t-il lieu malgré la pluie ?",
        "Je voudrais parler à quelqu'un de l'accueil.",
        "Merci beaucoup, bonne journée, au revoir.",
        "Est-ce que je peux payer la garderie par carte bancaire ?",
        "Le cimetière est-il ouvert le lundi matin ?",
    ],
    "en": [
        "Hello, I would like to book an appointment for a passport.",
        "My daughter lost her identity card during the holidays.",
        "Is the town hall open during the lunch break?",
        "I have just moved house and need to change my address.",
        "How can I register my son at the nursery?",
        "There is a broken street light in front of my house.",
        "Can I rent the village hall for a birthday party?",
        "Where should I take my old fridge and furniture?",
        "Could you put me through to the planning department, please?",
        "Thank you very much, have a nice day, goodbye.",
    ],
}

BOT_FR = "mb-fr1"  # the bot's French voice: the baseline, never a test caller's


def bot_fr(text: str, path: Path) -> tuple[Float32Array, int]:
    """The bot's French voice as test callers used to speak with it (espeak-ng, 150 wpm)."""
    subprocess.run(
        ["espeak-ng", "-v", BOT_FR, "-s", str(RATE_WPM), "-w", str(path), "--", text],
        check=True,
        capture_output=True,
    )
    return read_wav(path)


def on_the_line(samples: Float32Array, rate: int) -> Float32Array:
    """What the bot's ASR receives: the phone line, then 16 kHz."""
    return resample(telephone(samples, rate), 8000, 16000)


def measure(
    engines: Engines, label: str, lang: str, speech: list[tuple[Float32Array, int]]
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for text, (samples, rate) in zip(SENTENCES[lang], speech, strict=True):
        result = engines.asr.transcribe(on_the_line(samples, rate), lang)  # type: ignore[arg-type]
        errors, words = wer(text, result.text)
        rows.append(
            {"reference": text, "heard": result.text, "errors": errors, "words": words,
             "asr_ms": round(result.ms)}
        )  # fmt: skip
    errors = sum(r["errors"] for r in rows)
    words = sum(r["words"] for r in rows)
    summary = {
        "voice": label,
        "lang": lang,
        "wer": round(errors / max(1, words), 3),
        "errors": errors,
        "words": words,
        "perfect_sentences": sum(1 for r in rows if r["errors"] == 0),
        "sentences": len(rows),
        "asr_ms_median": round(float(np.median([r["asr_ms"] for r in rows]))),
    }
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return {**summary, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--rates", default="", help="callers' speaking rates, wpm, comma-separated (default: "
        "each voice's own)"
    )  # fmt: skip
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",") if r]
    settings = load_settings(os.environ)
    install_whisper_base(asr_model_dir(settings))
    engines = load_engines(settings)
    work = Path(tempfile.mkdtemp(prefix="caller-voices-"))
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    try:
        fr = SENTENCES["fr"]
        bot = [bot_fr(t, work / f"bot-fr-{i}.wav") for i, t in enumerate(fr)]
        results.append(measure(engines, f"fr1 (bot) {RATE_WPM} wpm", "fr", bot))
        piper = engines.tts["en"]
        joe = [(piper.synthesize(t, "en"), piper.capabilities.sample_rate) for t in SENTENCES["en"]]
        results.append(measure(engines, f"joe (bot, {piper.capabilities.name})", "en", joe))
        for lang, voices in CALLER_VOICES.items():
            for voice in voices:
                for rate in rates or [VOICE_RATE_WPM.get(voice, RATE_WPM)]:
                    speech = [
                        speak(t, lang, work / f"{voice}-{rate}-{i}.wav", voice, rate)
                        for i, t in enumerate(SENTENCES[lang])
                    ]
                    label = f"{voice.removeprefix('mb-')} {rate} wpm"
                    results.append(measure(engines, label, lang, speech))
    finally:
        engines.close()
    report = {
        "machine_cores": os.cpu_count(),
        "asr": "whisper-base (voicebot.engines.asr.WhisperAsr, as load_engines builds it)",
        "line": "telephone(): 8 kHz, 300-3400 Hz, G.711 mu-law; then 16 kHz",
        "wall_s": round(time.perf_counter() - started, 1),
        "voices": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "caller_voices.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
