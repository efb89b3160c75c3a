"""Test callers' voices: French from espeak-ng + MBROLA fr1 (espeak's own French
voice is unintelligible to Whisper), and callers' microphones made of sentences."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from voicebot.audio import Float32Array, read_wav, resample, write_wav

LINE_RATE = 8000
LEVEL = 0.6  # a caller's speech peaks well below full scale


def espeak_fr(text: str, path: Path) -> tuple[Float32Array, int]:
    """``text`` spoken in French, at the voice's own rate (16 kHz for fr1)."""
    subprocess.run(
        ["espeak-ng", "-v", "mb-fr1", "-s", "150", "-w", str(path), "--", text],
        check=True,
        capture_output=True,
    )
    return read_wav(path)


def caller_sentence(text: str, path: Path) -> Float32Array:
    """A caller's French sentence at the line rate and a caller's level."""
    samples, rate = espeak_fr(text, path)
    if rate != LINE_RATE:
        samples = resample(samples, rate, LINE_RATE)
    return (LEVEL * samples).astype(np.float32)


def caller_audio(out: Path, *parts: tuple[float, str]) -> Path:
    """A caller's microphone: (silence before, sentence) parts, one after the other."""
    pieces: list[Float32Array] = []
    for index, (pause_s, text) in enumerate(parts):
        pieces.append(np.zeros(int(pause_s * LINE_RATE), dtype=np.float32))
        pieces.append(caller_sentence(text, out.with_name(f"{out.stem}-{index}.raw.wav")))
    write_wav(out, np.concatenate(pieces), LINE_RATE)
    return out
