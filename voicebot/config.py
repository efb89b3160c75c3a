"""Paths derived from :class:`guichet.settings.Settings` for the voicebot."""

from __future__ import annotations

from pathlib import Path

from guichet.settings import Settings


def models_dir(settings: Settings) -> Path:
    return (settings.models_dir or settings.home_dir / "models").expanduser().resolve()


def asr_model_dir(settings: Settings) -> Path:
    return (settings.asr_model_dir or models_dir(settings) / "whisper-base").expanduser().resolve()
