"""``Voice``: say a sentence on a call outside the dialog (number confirmation, the
callback booked, an apology after a restart).

It speaks the way the voicebot does, through the TTS stage's :class:`Synthesizer`
(read for the ear, synthesized sentence by sentence in the TTS executor, resampled
to the call rate) and the output stage's 20 ms :class:`Pacer`::

    voice = Voice(engines.tts, engines.tts_pool, sample_rate=8000)
    finished = await voice.say("Votre rappel est noté.", "fr", link.send, key_pressed)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from typing import Any

from guichet.tasks import cancel_and_wait
from voicebot.audio import FRAME_MS
from voicebot.engines.tts import TtsEngine
from voicebot.frames import Lang
from voicebot.stages.output import Pacer
from voicebot.stages.tts_stage import Synthesizer, TtsConfig

FRAME_S = FRAME_MS / 1000

Send = Callable[[bytes], Awaitable[None]]


class Voice:
    """The bot's voices, shared by every call (the engines are thread-safe)."""

    def __init__(
        self,
        tts: Mapping[Lang, TtsEngine],
        pool: Executor,
        sample_rate: int = 8000,
        config: TtsConfig | None = None,
    ) -> None:
        self.tts = tts
        self.pool = pool
        self.sample_rate = sample_rate
        self.config = config or TtsConfig()

    async def say(
        self,
        text: str,
        lang: str,
        send: Send,
        interrupt: asyncio.Event | None = None,
        *,
        sample_rate: int | None = None,
    ) -> bool:
        """Speak ``text`` through ``send`` (one 20 ms PCM16 frame a call, at the pace of
        real time, at ``sample_rate`` or the voice's rate). False when ``interrupt``
        was set before the end: nothing more is sent (a frame being sent finishes).
        A VoicebotError when a sentence fails or takes longer than the configured
        time-out to synthesize: the caller would otherwise wait for words that never
        come (the caller of ``say`` falls back on something that needs no voice)."""
        voice: Lang = "en" if lang == "en" else "fr"
        stop = interrupt or asyncio.Event()
        synthesizer = Synthesizer(self.tts, self.pool, sample_rate or self.sample_rate, self.config)
        pacer = Pacer()
        sentences = synthesizer.sentences(text, voice)
        try:
            while True:
                # the next sentence is synthesized in the executor; a key press wins
                step = asyncio.ensure_future(anext(sentences))
                if not await _first(step, stop):
                    return False
                try:
                    frames, _last = step.result()
                except StopAsyncIteration:
                    return True
                for pcm in frames:
                    if stop.is_set():
                        return False
                    await send(pcm)
                    await pacer.wait(FRAME_S)
        finally:
            await sentences.aclose()


async def _first(future: asyncio.Future[Any], stop: asyncio.Event) -> bool:
    """Wait for ``future`` or ``stop``: True if ``future`` is done; otherwise it is
    cancelled and awaited."""
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({future, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_and_wait(stopped, *(() if future.done() else (future,)))
    return future.done() and not future.cancelled()
