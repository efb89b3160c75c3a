"""Test callers' voices, and callers' microphones made of sentences.

Callers speak with espeak-ng + MBROLA voices that are *not* the bot's: a test whose
caller spoke with the bot's own voice would prove only that Whisper understands the
bot, and an echo of the bot's prompt would pass for the caller. French callers use
MBROLA fr4 (fr2 as the alternative), English callers MBROLA en1 (us1 as the
alternative); espeak-ng's own voices are unintelligible to Whisper. The bot's voices
(MBROLA fr1, Piper joe) are refused.

Defaults and speaking rates come from ``tests/bench/bench_caller_voices.py`` (its own
sentences, not the tests'): Whisper base on a phone line, WER fr4 16 % at 130 wpm (25 %
at 150), fr2 29 %; en1 5 % at 150 wpm, us1 18-25 %. The bot's voices as callers: fr1 22 %,
joe 1-3 %.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Final

import numpy as np

from guichet.settings import Settings
from voicebot.audio import Float32Array, read_wav, resample, write_wav

__all__ = [
    "BOT_VOICES",
    "CALLER_VOICES",
    "LEVEL",
    "LINE_RATE",
    "RATE_WPM",
    "VOICE_RATE_WPM",
    "BotVoiceError",
    "caller_audio",
    "caller_sentence",
    "caller_voice",
    "speak",
]

LINE_RATE: Final = 8000
LEVEL: Final = 0.6  # a caller's speech peaks well below full scale
RATE_WPM: Final = 150  # espeak-ng's speaking rate (words per minute) unless a voice's own

# The bot's voices, by the names a caller's voice could be given: never a caller's. French:
# espeak-ng MBROLA fr1 (and whatever the settings make the default); English: Piper joe.
_BOT_FR: Final = str(Settings.model_fields["espeak_fr_voice"].default)
BOT_VOICES: Final = frozenset({"mb-fr1", "fr1", _BOT_FR, "joe", "en_US-joe-medium"})

# Per language: the default caller voice first, then the alternatives.
CALLER_VOICES: Final[dict[str, tuple[str, ...]]] = {
    "fr": ("mb-fr4", "mb-fr2"),
    "en": ("mb-en1", "mb-us1"),
}
# Each caller voice's rate: the one Whisper base understood best (module docstring).
VOICE_RATE_WPM: Final[dict[str, int]] = {"mb-fr4": 130, "mb-fr2": 130, "mb-en1": 150, "mb-us1": 140}


class BotVoiceError(ValueError):
    """A test asked a caller to speak with one of the bot's own voices."""


def caller_voice(lang: str) -> str:
    """The default caller voice for ``lang`` ("fr" or "en")."""
    try:
        return CALLER_VOICES[lang][0]
    except KeyError:
        raise ValueError(f"no caller voice for language {lang!r}") from None


def _checked(voice: str) -> str:
    if voice in BOT_VOICES or voice.removeprefix("mb-") in BOT_VOICES or "joe" in voice:
        raise BotVoiceError(f"{voice!r} is the bot's own voice: a caller must not use it")
    return voice


def speak(
    text: str, lang: str, path: Path, voice: str | None = None, rate_wpm: int | None = None
) -> tuple[Float32Array, int]:
    """``text`` spoken by a caller in ``lang``, at the voice's own sample rate.

    ``voice`` is an espeak-ng voice (default: :func:`caller_voice`); the bot's voices
    raise :class:`BotVoiceError`. ``rate_wpm`` defaults to the voice's own
    (:data:`VOICE_RATE_WPM`). The WAV is written to ``path`` on the way.
    """
    chosen = _checked(voice if voice is not None else caller_voice(lang))
    rate = rate_wpm if rate_wpm is not None else VOICE_RATE_WPM.get(chosen, RATE_WPM)
    subprocess.run(
        ["espeak-ng", "-v", chosen, "-s", str(rate), "-w", str(path), "--", text],
        check=True,
        capture_output=True,
    )
    return read_wav(path)


def caller_sentence(
    text: str, path: Path, lang: str = "fr", voice: str | None = None
) -> Float32Array:
    """A caller's sentence at the line rate and a caller's level (no phone band)."""
    samples, rate = speak(text, lang, path, voice)
    if rate != LINE_RATE:
        samples = resample(samples, rate, LINE_RATE)
    return (LEVEL * samples).astype(np.float32)


def caller_audio(
    out: Path, *parts: tuple[float, str], lang: str = "fr", voice: str | None = None
) -> Path:
    """A caller's microphone: (silence before, sentence) parts, one after the other."""
    pieces: list[Float32Array] = []
    for index, (pause_s, text) in enumerate(parts):
        pieces.append(np.zeros(int(pause_s * LINE_RATE), dtype=np.float32))
        raw = out.with_name(f"{out.stem}-{index}.raw.wav")
        pieces.append(caller_sentence(text, raw, lang, voice))
    write_wav(out, np.concatenate(pieces), LINE_RATE)
    return out
