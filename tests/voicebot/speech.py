"""Test callers' turns on a phone line, spoken with the callers' voices of
:mod:`tests.support.speech` (never the bot's)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.support.speech import speak
from voicebot.audio import Float32Array, telephone, write_wav


def phone_wav(samples: Float32Array, rate: int, path: Path, lead_s: float = 0.3) -> Path:
    """A caller's turn on a phone line: 8 kHz, 300-3400 Hz, G.711, with leading silence."""
    line = telephone(samples, rate)
    line = np.concatenate([np.zeros(int(lead_s * 8000), dtype=np.float32), line])
    write_wav(path, line, 8000)
    return path


def say(
    text: str,
    lang: str,
    folder: Path,
    name: str,
    voice: str | None = None,
    rate_wpm: int | None = None,
) -> Path:
    """``text`` spoken by a caller in ``lang`` over a phone line, as ``folder/name.wav``
    (voice and speaking rate: :func:`tests.support.speech.speak`'s defaults unless given)."""
    folder.mkdir(parents=True, exist_ok=True)
    samples, rate = speak(text, lang, folder / f"{name}-raw.wav", voice, rate_wpm)
    return phone_wav(samples, rate, folder / f"{name}.wav")
