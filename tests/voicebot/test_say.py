"""``Voice.say``: prompts outside the dialog, spoken as the voicebot speaks."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from voicebot import Voice
from voicebot.audio import Float32Array, pcm16_to_float, resample
from voicebot.engines.tts import TtsCapabilities
from voicebot.frames import Lang
from voicebot.runtime import Engines

from .fakes import FakeTts


class Line:
    """The far end of a call: what was sent, and when."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.at: list[float] = []

    async def send(self, pcm: bytes) -> None:
        self.frames.append(pcm)
        self.at.append(time.perf_counter())

    def audio(self) -> Float32Array:
        return pcm16_to_float(b"".join(self.frames))


async def test_a_prompt_is_heard_as_written(engines: Engines) -> None:
    line = Line()
    voice = Voice(engines.tts, engines.tts_pool)
    assert await voice.say("Votre rappel est noté. Au revoir.", "fr", line.send)
    assert {len(f) for f in line.frames} == {320}  # 20 ms at 8 kHz
    heard = engines.asr.transcribe(resample(line.audio(), 8000, 16000), "fr").text
    assert {"rappel", "revoir"} <= set(re.findall(r"\w+", heard.lower())), heard


async def test_frames_leave_at_the_pace_of_real_time() -> None:
    tts = FakeTts()
    with ThreadPoolExecutor(1) as pool:
        line = Line()
        voice = Voice({"fr": tts, "en": tts}, pool, sample_rate=16000)
        assert await voice.say("un deux trois quatre cinq.", "fr", line.send)
    assert {len(f) for f in line.frames} == {640}  # 20 ms at 16 kHz
    assert len(line.frames) == 21  # 5 words of 60 ms, and a breath after the sentence
    assert line.at[-1] - line.at[0] >= 0.9 * 20 * 0.02
    assert tts.spoken == [("un deux trois quatre cinq.", "fr")]


async def test_a_key_press_stops_the_prompt_at_once() -> None:
    tts = FakeTts()
    stop = asyncio.Event()
    sent: list[bytes] = []

    async def send(pcm: bytes) -> None:
        sent.append(pcm)
        if len(sent) == 5:
            stop.set()  # the caller presses a key while the fifth frame plays

    with ThreadPoolExecutor(1) as pool:
        voice = Voice({"fr": tts, "en": tts}, pool)
        assert not await voice.say("un deux trois quatre cinq six sept", "fr", send, stop)
    assert len(sent) == 5


class StuckTts:
    """A synthesis that takes until the test lets it go."""

    capabilities = TtsCapabilities("stuck", ("fr",), 16000)

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        self.started.set()
        self.release.wait(10)
        return np.zeros(1600, dtype=np.float32)


async def test_a_key_press_during_synthesis_stops_the_prompt() -> None:
    tts = StuckTts()
    stop = asyncio.Event()
    line = Line()
    with ThreadPoolExecutor(1) as pool:
        voice = Voice({"fr": tts}, pool)
        saying = asyncio.ensure_future(voice.say("Un instant.", "fr", line.send, stop))
        assert await asyncio.to_thread(tts.started.wait, 5)
        stop.set()
        assert await asyncio.wait_for(saying, 1) is False
        tts.release.set()
    assert line.frames == []
