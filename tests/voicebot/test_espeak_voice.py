"""The bot's espeak-ng voice when its MBROLA voice is missing (real espeak-ng): an
error at start naming the packages to install, unless the settings let espeak-ng's own
voice stand in, which is then logged as an error and marked degraded (each call
counts it: tests/voicebot/test_tts_fallback.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from guichet.settings import Settings
from voicebot.engines.tts import EspeakTts
from voicebot.errors import EngineUnavailable
from voicebot.runtime import load_tts

MISSING = "mb-xx9"  # an MBROLA voice no package provides


def test_a_missing_mbrola_voice_stops_the_start_with_what_to_install(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(EngineUnavailable) as refused:
        EspeakTts({"fr": MISSING})
    message = str(refused.value)
    assert "apt-get install mbrola mbrola-xx9" in message
    assert "espeak_allow_degraded_voice" in message
    assert any(r.levelno == logging.ERROR and MISSING in r.getMessage() for r in caplog.records)


def test_the_stand_in_voice_speaks_when_allowed_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        tts = EspeakTts({"fr": MISSING}, allow_degraded=True)
    assert tts.voices == {"fr": "fr"}
    assert tts.capabilities.degraded == ("fr",)
    assert tts.synthesize("Bonjour.", "fr").size > 0.1 * tts.capabilities.sample_rate
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("degraded" in e and "'fr'" in e for e in errors), errors


def test_the_installed_bot_voice_is_not_degraded() -> None:
    tts = EspeakTts({"fr": "mb-fr1"})
    assert tts.voices == {"fr": "mb-fr1"} and tts.capabilities.degraded == ()


def test_the_settings_choose_between_refusing_and_the_stand_in(tmp_path: Path) -> None:
    missing = Settings(home=tmp_path, espeak_fr_voice=MISSING, tts_en_engine="espeak")
    with pytest.raises(EngineUnavailable, match="mbrola-xx9"):
        load_tts(missing)
    allowed = missing.model_copy(update={"espeak_allow_degraded_voice": True})
    engines = load_tts(allowed)
    assert engines["fr"].capabilities.degraded == ("fr",)
    assert engines["en"].capabilities.degraded == ()  # espeak-ng's en-us is its own voice
