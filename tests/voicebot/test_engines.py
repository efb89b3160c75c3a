"""The real engines on short recordings (models loaded once per session)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from voicebot.audio import float_to_pcm16, read_wav, resample
from voicebot.config import asr_model_dir
from voicebot.engines.asr import cut_repetitions
from voicebot.engines.tts import CoquiTts, EspeakTts
from voicebot.engines.vad import SileroVad, WebRtcVad
from voicebot.errors import EngineUnavailable, ModelError
from voicebot.models import install_whisper_base, require_whisper_base
from voicebot.runtime import Engines

from .speech import say


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def asr16(path: Path) -> np.ndarray:
    samples, rate = read_wav(path)
    return resample(samples, rate, 16000)


def test_french_asr_on_a_phone_line(engines: Engines, voices: Path) -> None:
    wav = say("Je voudrais refaire ma carte d'identité.", "fr", voices, "cni")
    result = engines.asr.transcribe(asr16(wav), "fr")
    assert {"carte", "identité"} <= words(result.text), result.text
    assert result.ms < 3000


def test_english_asr_on_a_phone_line(engines: Engines, voices: Path) -> None:
    wav = say("When is the town hall open on Saturday?", "en", voices, "hours")
    result = engines.asr.transcribe(asr16(wav), "en")
    assert {"town", "hall", "open", "saturday"} <= words(result.text), result.text


def test_asr_says_nothing_on_silence_and_noise(engines: Engines) -> None:
    assert engines.asr.transcribe(np.zeros(32000, dtype=np.float32), "fr").text == ""
    noise = np.random.default_rng(1).normal(0, 0.02, 32000).astype(np.float32)
    result = engines.asr.transcribe(noise, "fr")
    assert len(result.text.split()) <= 3, result.text  # no invented sentence


def test_repetition_guard() -> None:
    assert cut_repetitions([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3]) == [1, 2, 3, 4, 5]
    assert cut_repetitions([9, 7, 8, 7, 8, 7, 8, 7, 8]) == [9, 7, 8]
    assert cut_repetitions([1, 2, 3, 4]) == [1, 2, 3, 4]


def test_vads_find_speech_not_silence(engines: Engines, voices: Path) -> None:
    wav = say("Bonjour madame.", "fr", voices, "bonjour")
    audio = asr16(wav)
    frames = [audio[i : i + 320] for i in range(0, audio.size - 320, 320)]
    for vad in (WebRtcVad(2), SileroVad()):
        flags = [vad.is_speech(float_to_pcm16(f)) for f in frames]
        lead = int(0.25 / 0.02)  # the phone_wav lead-in is silence
        assert not any(flags[: lead - 2]), vad.capabilities.name
        assert sum(flags) >= 10, vad.capabilities.name


def test_tts_engines_produce_audio(engines: Engines) -> None:
    fr = engines.tts["fr"]
    assert fr.capabilities.name == "espeak-ng" and "mb-fr1" in fr.capabilities.voice
    audio = fr.synthesize("Bonjour.", "fr")
    assert audio.size > 0.2 * fr.capabilities.sample_rate
    en = engines.tts["en"]
    assert en.capabilities.name == "piper" and en.capabilities.sample_rate == 22050
    assert en.synthesize("Hello.", "en").size > 0.2 * 22050


def test_espeak_refuses_a_missing_mbrola_voice_unless_a_stand_in_is_allowed() -> None:
    # more in tests/voicebot/test_espeak_voice.py
    with pytest.raises(EngineUnavailable, match="mbrola-does-not-exist"):
        EspeakTts({"fr": "mb-does-not-exist"})
    tts = EspeakTts({"fr": "mb-does-not-exist"}, allow_degraded=True)
    assert tts.voices["fr"] == "fr" and tts.capabilities.degraded == ("fr",)


def test_coqui_reports_clearly_when_unavailable() -> None:
    with pytest.raises(EngineUnavailable, match="coqui"):
        CoquiTts(None, "fr")
    with pytest.raises(EngineUnavailable, match="coqui"):
        CoquiTts("tts_models/fr/css10/vits", "fr")


def test_model_install_is_idempotent_and_verified(tmp_path: Path, vb_settings) -> None:  # type: ignore[no-untyped-def]
    installed = asr_model_dir(vb_settings)
    assert install_whisper_base(installed).action == "verified"
    broken = tmp_path / "broken"
    shutil.copytree(installed, broken)
    with (broken / "model.bin").open("r+b") as handle:
        handle.truncate(1000)
    with pytest.raises(ModelError):
        require_whisper_base(broken)
    with pytest.raises(ModelError):
        require_whisper_base(tmp_path / "absent")
