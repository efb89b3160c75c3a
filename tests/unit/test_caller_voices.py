"""Test callers never speak with the bot's own voices."""

from __future__ import annotations

from pathlib import Path

import pytest

from guichet.settings import Settings
from tests.support.speech import (
    BOT_VOICES,
    CALLER_VOICES,
    BotVoiceError,
    caller_audio,
    caller_voice,
    speak,
)
from voicebot.audio import read_wav


@pytest.mark.parametrize("voice", ["mb-fr1", "fr1", "joe", "en_US-joe-medium"])
def test_the_bots_voices_are_refused(voice: str, tmp_path: Path) -> None:
    with pytest.raises(BotVoiceError):
        speak("Bonjour.", "fr", tmp_path / "x.wav", voice)
    assert not (tmp_path / "x.wav").exists()


def test_the_bots_configured_french_voice_is_a_bot_voice() -> None:
    assert Settings().espeak_fr_voice in BOT_VOICES


def test_no_caller_voice_is_a_bot_voice() -> None:
    for voices in CALLER_VOICES.values():
        assert not set(voices) & BOT_VOICES
    assert (caller_voice("fr"), caller_voice("en")) == ("mb-fr4", "mb-en1")
    with pytest.raises(ValueError, match="de"):
        caller_voice("de")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_caller_voice_speaks(lang: str, tmp_path: Path) -> None:
    for voice in CALLER_VOICES[lang]:
        samples, rate = speak("Bonjour, merci.", lang, tmp_path / f"{voice}.wav", voice)
        assert rate >= 16000 and samples.size > rate // 4  # a quarter second at least
        assert float(abs(samples).max()) > 0.05  # speech, not silence


def test_a_callers_microphone_is_at_the_line_rate(tmp_path: Path) -> None:
    mic = caller_audio(tmp_path / "mic.wav", (1.0, "Bonjour."), (0.5, "Merci."))
    samples, rate = read_wav(mic)
    assert rate == 8000
    assert not samples[:8000].any()  # the first second is the silence asked for
    assert 0.3 < float(abs(samples).max()) <= 0.61  # a caller's level, not full scale
