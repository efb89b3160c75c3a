"""Spoken prompts outside the voicebot's conversation (number confirmation, the
callback booked, an apology after a restart): TTS in an executor, sent over the
media link at the 20 ms pace. A key press stops the prompt at once."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

from pbx.media.link import MediaLink
from voicebot.audio import iter_frames, resample
from voicebot.ear import for_the_ear
from voicebot.engines.tts import TtsEngine
from voicebot.frames import Lang

FRAME_S = 0.02


class Prompter:
    def __init__(self, link: MediaLink, tts: dict[Lang, TtsEngine], pool: Executor) -> None:
        self.link = link
        self.tts = tts
        self.pool = pool

    async def say(self, text: str, lang: str, interrupt: asyncio.Event | None = None) -> bool:
        """Speak ``text``; False when ``interrupt`` was set before the end."""
        voice: Lang = "en" if lang == "en" else "fr"
        engine = self.tts[voice]
        loop = asyncio.get_running_loop()
        # read the way the voicebot reads (numbers, phone numbers, times)
        spoken = for_the_ear(text, voice)
        samples = await loop.run_in_executor(self.pool, engine.synthesize, spoken, voice)
        samples = resample(samples, engine.capabilities.sample_rate, self.link.sample_rate)
        next_at = loop.time()
        for frame in iter_frames(samples, self.link.sample_rate):
            if interrupt is not None and interrupt.is_set():
                await self.link.flush()
                return False
            await self.link.send(frame)
            next_at += FRAME_S
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)  # the 20 ms playout pace
        return True
