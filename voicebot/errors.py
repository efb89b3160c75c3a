"""The voicebot's own error tree."""

from __future__ import annotations

from guichet.errors import GuichetError


class VoicebotError(GuichetError):
    """Base of the voicebot's deliberate errors."""


class AudioInputError(VoicebotError):
    """An audio input is unusable (not a WAV, truncated, wrong format, empty)."""


class ModelError(VoicebotError):
    """A model file is missing or fails verification."""


class EngineUnavailable(VoicebotError):
    """An optional engine is not installed or has no model."""
