"""A sentence the voice cannot say, in the middle of a call (fake engines): the caller
hears the short apology rendered at start instead of a gap, the incident is logged
(engine, language, length; never the words) and reported for the count; a second lost
sentence in the call hands it over (EngineFailed), as before. A voice that cannot say
even the apology at start: tests/voicebot/test_timeouts.py."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from voicebot import EngineFailed, VoicebotPipeline
from voicebot.audio import Float32Array
from voicebot.engines.tts import TtsCapabilities, TtsEngine
from voicebot.frames import BotAudioFrame, EngineIncidentFrame, Lang, SpeakFrame
from voicebot.stages.output import OutputStage
from voicebot.stages.tts_stage import FALLBACK_SENTENCE, Synthesizer, TtsConfig, TtsStage

from .fakes import FakeTts

RATE = 8000
TIMEOUT_S = 0.3
SLACK_S = 1.0
WITHIN_S = 5.0
LOST = "Le guichet unique ferme tard le jeudi."  # the sentence the voice cannot say
TEXT = f"Bonjour et bienvenue. {LOST} Bonne journée."


class LosesOneSentence(FakeTts):
    """Says everything but sentences containing ``LOST``'s words: raises, or hangs."""

    def __init__(self, hang: threading.Event | None = None) -> None:
        super().__init__()
        self.hang = hang

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        if "guichet unique" in text:
            if self.hang is None:
                raise OSError("espeak-ng: mbrola died")
            self.hang.wait(30)
        return super().synthesize(text, lang)


@pytest.fixture
def released() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # hung engine threads go before the pool closes


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as executor:
        yield executor


@pytest.fixture
async def tts_pipe(pool: ThreadPoolExecutor) -> AsyncIterator[Pipe]:
    pipe = Pipe(pool)
    yield pipe
    await pipe.close()


class Pipe:
    """TTS → output, as in the voicebot pipeline, fed SpeakFrames directly."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.pipe: VoicebotPipeline | None = None

    async def open(self, tts: TtsEngine) -> VoicebotPipeline:
        config = TtsConfig(timeout_s=TIMEOUT_S)
        stages = [
            TtsStage({"fr": tts, "en": tts}, self.pool, RATE, config),
            OutputStage(paced=False),
        ]
        self.pipe = VoicebotPipeline(stages, sample_rate=RATE, lang="fr")
        await self.pipe.start()
        return self.pipe

    async def close(self) -> None:
        if self.pipe is not None:
            await self.pipe.aclose()


def say(pipe: VoicebotPipeline, text: str, turn: int) -> None:
    pipe.queues[0].put(SpeakFrame(text, "fr", turn=turn))


async def heard(pipe: VoicebotPipeline, turn: int) -> list[bytes]:
    """The caller's side: the turn's audio frames, up to its last."""
    frames: list[bytes] = []
    async with asyncio.timeout(WITHIN_S):
        while True:
            frame = await pipe.next_output()
            if isinstance(frame, BotAudioFrame) and frame.turn == turn:
                frames.append(frame.pcm)
                if frame.last:
                    return frames


async def frames_of(tts: TtsEngine, pool: ThreadPoolExecutor, text: str) -> list[bytes]:
    """What a working voice makes of ``text`` at the call rate (the expected audio)."""
    synthesizer = Synthesizer({"fr": tts}, pool, RATE, TtsConfig(timeout_s=WITHIN_S))
    return [pcm async for frames, _last in synthesizer.sentences(text, "fr") for pcm in frames]


async def apology_of(tts: TtsEngine, pool: ThreadPoolExecutor) -> list[bytes]:
    """The apology a working voice renders at start: the whole sentence, in one piece."""
    synthesizer = Synthesizer({"fr": tts}, pool, RATE, TtsConfig(timeout_s=WITHIN_S))
    await synthesizer.prepare_fallback()
    apology = synthesizer.fallback["fr"]
    words = len(FALLBACK_SENTENCE["fr"].split())
    # the fake voice: 60 ms a word, then the breath after a sentence, in 20 ms frames
    assert len(apology) == round((0.06 * words + TtsConfig().breath_s) / 0.02)
    return apology


def incidents(pipe: VoicebotPipeline) -> list[tuple[str, str, str]]:
    return [(f.engine, f.kind, f.lang) for f in pipe.of_type(EngineIncidentFrame)]


@pytest.mark.parametrize("fault", ["raises", "hangs"])
async def test_a_lost_sentence_is_heard_as_the_apology_and_reported(
    tts_pipe: Pipe,
    pool: ThreadPoolExecutor,
    released: threading.Event,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    tts = LosesOneSentence(released if fault == "hangs" else None)
    pipe = await tts_pipe.open(tts)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        say(pipe, TEXT, turn=1)
        audio = await heard(pipe, turn=1)
    waited = time.perf_counter() - started

    working = FakeTts()
    expected = (
        await frames_of(working, pool, "Bonjour et bienvenue.")
        + await apology_of(working, pool)
        + await frames_of(working, pool, "Bonne journée.")
    )
    assert audio == expected  # the apology in the lost sentence's place, nothing skipped
    assert waited < TIMEOUT_S + SLACK_S
    kind = "timeout" if fault == "hangs" else "failed"
    assert await pipe.wait_for(lambda _ev: bool(incidents(pipe)), WITHIN_S)
    assert incidents(pipe) == [("tts", kind, "fr")]
    assert pipe.failure is None  # once is not yet a lost voice
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("fake" in w and "fr" in w and f"{len(LOST)} characters" in w for w in warnings)
    assert "guichet unique" not in caplog.text  # the words stay out of the log


async def test_a_second_lost_sentence_hands_the_call_over(tts_pipe: Pipe) -> None:
    pipe = await tts_pipe.open(LosesOneSentence())
    say(pipe, TEXT, turn=1)
    await heard(pipe, turn=1)  # the first: the apology
    say(pipe, f"Rappel : {LOST}", turn=2)
    with pytest.raises(EngineFailed) as failed:
        async with asyncio.timeout(TIMEOUT_S + SLACK_S):
            while True:
                await pipe.next_output()
    assert failed.value.stage == "tts"
    # both lost sentences are counted, the one that hands the call over included
    assert await pipe.wait_for(lambda _ev: len(incidents(pipe)) == 2, WITHIN_S)


async def test_the_apology_is_rendered_once_for_every_call(pool: ThreadPoolExecutor) -> None:
    tts = FakeTts()
    calls = [Pipe(pool) for _ in range(3)]
    try:
        for call in calls:
            await call.open(tts)
    finally:
        for call in calls:
            await call.close()
    apologies = [said for said in tts.spoken if said[0] in FALLBACK_SENTENCE.values()]
    assert sorted(apologies) == [(FALLBACK_SENTENCE["fr"], "fr"), (FALLBACK_SENTENCE["en"], "en")]


async def test_a_stand_in_voice_is_reported_on_each_call(tts_pipe: Pipe) -> None:
    class StandIn(FakeTts):
        def __init__(self) -> None:
            super().__init__()
            self.capabilities = TtsCapabilities("espeak-ng", ("fr",), 16000, "fr", ("fr",))

    pipe = await tts_pipe.open(StandIn())
    assert await pipe.wait_for(lambda _ev: bool(incidents(pipe)), WITHIN_S)
    assert incidents(pipe) == [("tts", "degraded_voice", "fr")]
