"""The voicebot's slice of :class:`guichet.settings.Settings`: one small frozen config
per stage, gathered in :class:`VoicebotConfig`, and the model paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guichet.settings import Settings
from voicebot.dialog import DialogConfig
from voicebot.frames import Lang
from voicebot.language import LanguageRules
from voicebot.stages.silence_stage import SilenceConfig
from voicebot.stages.tts_stage import TtsConfig
from voicebot.stages.vad_stage import VadConfig


@dataclass(frozen=True)
class EngineTimeouts:
    """How long a call waits on the listening engines before it gives up on them (the
    caller must hear something within seconds, whatever an engine does): a turn's
    transcription (``asr_s``: the turn is then not understood; ``asr_failures``
    failed turns in a row and the voicebot hands the call over) and a knowledge
    lookup (``knowledge_s``: the bot abstains and offers a person). The voice's own
    time-out is :attr:`TtsConfig.timeout_s` (``Voice`` speaks with it too)."""

    asr_s: float = 1.5
    asr_failures: int = 2
    knowledge_s: float = 1.5


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
    timeouts: EngineTimeouts = field(default_factory=EngineTimeouts)
    language: LanguageRules = field(default_factory=LanguageRules)

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
            ),
            silence=SilenceConfig(timeout_s=settings.silence_timeout_s),
            tts=TtsConfig(timeout_s=settings.tts_timeout_s),
            timeouts=EngineTimeouts(
                asr_s=settings.asr_timeout_s,
                asr_failures=settings.asr_failures_before_handover,
                knowledge_s=settings.knowledge_timeout_s,
            ),
            language=LanguageRules(
                min_words=settings.language_min_words,
                min_speech_s=settings.language_min_speech_s,
                min_prob=settings.language_min_prob,
            ),
        )


def models_dir(settings: Settings) -> Path:
    return (settings.models_dir or settings.home_dir / "models").expanduser().resolve()


def asr_model_dir(settings: Settings) -> Path:
    return (settings.asr_model_dir or models_dir(settings) / "whisper-base").expanduser().resolve()
