"""The voicebot's slice of :class:`guichet.settings.Settings`: one small frozen config
per stage, gathered in :class:`VoicebotConfig`, and the model paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guichet.settings import Settings
from voicebot.dialog import DialogConfig
from voicebot.frames import Lang
from voicebot.stages.silence_stage import SilenceConfig
from voicebot.stages.tts_stage import TtsConfig
from voicebot.stages.vad_stage import VadConfig


@dataclass(frozen=True)
class VoicebotConfig:
    """What the pipelines take from the settings; each stage gets only its part.

    Per-call choices (the caller's language, agents available, pacing) are the
    presets' arguments, not configuration."""

    lang: Lang = "fr"  # greet in it, and assume it until the caller's words decide
    vad: VadConfig = field(default_factory=VadConfig)
    dialog: DialogConfig = field(default_factory=DialogConfig)
    silence: SilenceConfig = field(default_factory=SilenceConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)

    @classmethod
    def from_settings(cls, settings: Settings) -> VoicebotConfig:
        return cls(
            lang=settings.voicebot_lang,
            vad=VadConfig(
                end_silence_ms=settings.vad_end_silence_ms,
                resume_window_ms=settings.vad_resume_window_ms,
                barge_in_min_speech_ms=settings.barge_in_min_speech_ms,
            ),
            dialog=DialogConfig(
                max_turns=settings.max_turns,
                max_silences=settings.max_silences,
                confirm_below=settings.confirm_below,
            ),
            silence=SilenceConfig(timeout_s=settings.silence_timeout_s),
        )


def models_dir(settings: Settings) -> Path:
    return (settings.models_dir or settings.home_dir / "models").expanduser().resolve()


def asr_model_dir(settings: Settings) -> Path:
    return (settings.asr_model_dir or models_dir(settings) / "whisper-base").expanduser().resolve()
