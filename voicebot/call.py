"""State shared by the stages of one call (the pipeline owns it)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from voicebot.frames import Lang


@dataclass
class CallState:
    lang: Lang
    sample_rate: int
    lang_fixed: bool = True  # False: the first utterance decides (then it is forced)
    bot_speaking: bool = False
    bot_level: float = 0.0  # RMS of the bot's recent output: the echo reference
    bot_level_until: float = 0.0  # perf_counter() until which that reference holds

    def note_bot_audio(self, level: float, tail_s: float = 0.3) -> None:
        now = time.perf_counter()
        if now > self.bot_level_until:
            self.bot_level = level
        else:
            self.bot_level = max(self.bot_level, level)
        self.bot_level_until = now + tail_s

    def echo_reference(self) -> float:
        return self.bot_level if time.perf_counter() <= self.bot_level_until else 0.0
