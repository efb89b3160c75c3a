"""Test voices: French from espeak-ng + MBROLA fr1, English from Piper joe; phone line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.support.speech import espeak_fr
from voicebot.audio import Float32Array, telephone, write_wav
from voicebot.engines.tts import TtsEngine


def phone_wav(samples: Float32Array, rate: int, path: Path, lead_s: float = 0.3) -> Path:
    """A caller's turn on a phone line: 8 kHz, 300-3400 Hz, G.711, with leading silence."""
    line = telephone(samples, rate)
    line = np.concatenate([np.zeros(int(lead_s * 8000), dtype=np.float32), line])
    write_wav(path, line, 8000)
    return path


def say(text: str, lang: str, folder: Path, name: str, piper: TtsEngine) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if lang == "fr":
        samples, rate = espeak_fr(text, folder / f"{name}-raw.wav")
    else:
        samples = piper.synthesize(text, "en")
        rate = piper.capabilities.sample_rate
    return phone_wav(samples, rate, folder / f"{name}.wav")
