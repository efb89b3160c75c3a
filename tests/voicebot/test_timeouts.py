"""Engines that fail or hang, inside the voicebot pipeline (fake engines): the caller
hears something within the stage's time-out (the question "not understood", the
bot's abstention), and when the bot can no longer hear or speak the transport is
told (``EngineFailed`` from ``next_output``) rather than left waiting; one call's
hung engine does not stop another call's answers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from guichet.settings import Settings
from voicebot import EngineFailed, Voice, VoicebotConfig, VoicebotError, VoicebotPipeline
from voicebot.audio import Float32Array, float_to_pcm16
from voicebot.frames import AnswerFrame, Frame, Lang, SpeakFrame, TranscriptionFrame
from voicebot.knowledge_port import SimpleAnswer
from voicebot.stages.base import Stage
from voicebot.stages.dialog_stage import DialogStage
from voicebot.stages.tts_stage import FALLBACK_START_MARGIN, TtsConfig

from .fakes import FakeAsr, FakeEngines, FakeTts, fake_knowledge

RATE = 8000
TIMEOUT_S = 0.3  # every engine's, in these tests, but the voice's:
# the fake voice is never what a test here waits on, except the one that hangs it (it
# sets TIMEOUT_S itself); with 0.3 s per sentence, a loaded CI machine once took longer
# than the 0.9 s allowed to render the fallback apology at start and a test about the
# knowledge base failed on the voice instead
VOICE_TIMEOUT_S = 3.0
SLACK_S = 1.0  # what the caller may wait beyond a time-out (scheduling, synthesis)
WITHIN_S = 5.0
RNG = np.random.default_rng(3)


class Gate:
    """Holds hung engine threads until the test ends."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def hang(self) -> None:
        self.released.wait(30)


@pytest.fixture
def gate() -> Iterator[Gate]:
    g = Gate()
    yield g
    g.released.set()


def config_for(home: Path, tts_timeout_s: float = VOICE_TIMEOUT_S) -> VoicebotConfig:
    settings = Settings(
        home=home,
        asr_timeout_s=TIMEOUT_S,
        knowledge_timeout_s=TIMEOUT_S,
        tts_timeout_s=tts_timeout_s,
        asr_failures_before_handover=2,
    )
    return VoicebotConfig.from_settings(settings)


@pytest.fixture
def config(tmp_path: Path) -> VoicebotConfig:
    return config_for(tmp_path)


class HungAsr(FakeAsr):
    def __init__(self, gate: Gate, script: list[str] | None = None) -> None:
        super().__init__(script or [])
        self.gate = gate

    def transcribe(self, audio16k: Float32Array, lang: Lang | None):  # type: ignore[no-untyped-def]
        self.gate.hang()
        return super().transcribe(audio16k, lang)


class BrokenAsr(FakeAsr):
    def transcribe(self, audio16k: Float32Array, lang: Lang | None):  # type: ignore[no-untyped-def]
        raise RuntimeError("model file truncated")


class HungKnowledge:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def answer(self, question: str, lang: str) -> SimpleAnswer:
        self.gate.hang()
        return SimpleAnswer(abstained=True)


class HungTts(FakeTts):
    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate = gate

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        self.gate.hang()
        return super().synthesize(text, lang)


class BrokenTts(FakeTts):
    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        raise OSError("espeak-ng: voice not found")


def speech(seconds: float) -> list[bytes]:
    n = int(seconds * 50)
    return [float_to_pcm16(RNG.uniform(-0.5, 0.5, RATE // 50).astype(np.float32)) for _ in range(n)]


def silence(seconds: float) -> list[bytes]:
    return [bytes(2 * RATE // 50)] * int(seconds * 50)


def pipeline(
    engines: FakeEngines,
    config: VoicebotConfig,
    knowledge: object | None = None,
    *,
    greet: bool = False,
) -> VoicebotPipeline:
    return VoicebotPipeline.voicebot(
        engines,
        knowledge or fake_knowledge(),  # type: ignore[arg-type]
        config,
        sample_rate=RATE,
        lang="fr",
        greet=greet,
        paced=False,
        silence_timeout_s=0,
    )


async def ask(pipe: VoicebotPipeline) -> float:
    """The caller asks something; when the question ended (perf_counter)."""
    # the silence after it outlasts the resume window: the next question is a new turn
    for pcm in speech(0.8) + silence(1.0):
        pipe.push_audio(pcm)
        await asyncio.sleep(0)  # let the stages run between frames, as on a call
    return time.perf_counter()


def said(pipe: VoicebotPipeline, words: str) -> Callable[[list[Frame]], bool]:
    def check(events: object) -> bool:
        return any(words in f.text for f in pipe.of_type(SpeakFrame))

    return check


async def next_failure(pipe: VoicebotPipeline, within_s: float) -> EngineFailed:
    """Read the transport's side until the pipeline fails."""
    async with asyncio.timeout(within_s):
        while True:
            try:
                await pipe.next_output()
            except EngineFailed as failed:
                return failed


@pytest.mark.parametrize("fault", ["raises", "hangs"])
async def test_a_failed_transcription_is_a_turn_not_understood(
    config: VoicebotConfig, gate: Gate, fault: str
) -> None:
    asr = HungAsr(gate) if fault == "hangs" else BrokenAsr()
    engines = FakeEngines(asr)
    try:
        async with pipeline(engines, config) as pipe:
            asked = await ask(pipe)
            heard = await pipe.wait_for(said(pipe, "pas bien entendu"), WITHIN_S)
            waited = time.perf_counter() - asked
            assert heard
            assert waited < TIMEOUT_S + SLACK_S
            rejected = pipe.of_type(TranscriptionFrame)[0].rejected
            assert rejected == ("timeout" if fault == "hangs" else "error")
            assert pipe.failure is None  # once is not yet a lost engine
            # twice in a row: the bot cannot hear; the transport is told
            await ask(pipe)
            failed = await next_failure(pipe, TIMEOUT_S + SLACK_S)
            assert failed.stage == "asr"
    finally:
        engines.close()


async def test_a_good_transcription_in_between_forgives_a_failure(
    config: VoicebotConfig,
) -> None:
    class Flaky(FakeAsr):
        def __init__(self) -> None:
            super().__init__(["Quels sont les horaires ?"])
            self.n = 0

        def transcribe(self, audio16k: Float32Array, lang: Lang | None):  # type: ignore[no-untyped-def]
            self.n += 1
            if self.n in (1, 3):
                raise RuntimeError("glitch")
            return super().transcribe(audio16k, lang)

    engines = FakeEngines(Flaky())
    try:
        async with pipeline(engines, config) as pipe:
            for turns in (1, 2, 3):  # failed, understood, failed
                await ask(pipe)
                assert await pipe.wait_for(
                    lambda _ev, n=turns: len(pipe.of_type(TranscriptionFrame)) == n, WITHIN_S
                )
            assert [f.rejected for f in pipe.of_type(TranscriptionFrame)] == [
                "error",
                None,
                "error",
            ]
            assert pipe.failure is None  # never two in a row
    finally:
        engines.close()


async def test_a_hung_knowledge_base_is_an_abstention_in_time(
    config: VoicebotConfig, gate: Gate
) -> None:
    engines = FakeEngines(FakeAsr(["Quels sont les horaires ?"]))
    try:
        async with pipeline(engines, config, HungKnowledge(gate)) as pipe:
            asked = await ask(pipe)
            heard = await pipe.wait_for(said(pipe, "pas de réponse fiable"), WITHIN_S)
            assert heard and time.perf_counter() - asked < TIMEOUT_S + SLACK_S
            answer = pipe.of_type(AnswerFrame)[0]
            assert answer.abstained and answer.card_id is None
            # and a person is offered (nobody waits for an answer that will not come)
            assert await pipe.wait_for(said(pipe, "rappelle"), WITHIN_S)
    finally:
        engines.close()


@pytest.mark.parametrize("fault", ["raises", "hangs"])
async def test_a_voice_lost_from_the_start_refuses_to_start(
    tmp_path: Path, gate: Gate, fault: str
) -> None:
    """Not even the fallback apology can be rendered: the pipeline does not start (the
    transport hands the call over), in bounded time, and says why. A voice lost in the
    middle of a call: tests/voicebot/test_tts_fallback.py."""
    config = config_for(tmp_path, tts_timeout_s=TIMEOUT_S)  # the voice is the subject
    engines = FakeEngines(FakeAsr())
    tts = HungTts(gate) if fault == "hangs" else BrokenTts()
    engines.tts = {"fr": tts, "en": tts}
    try:
        started = time.perf_counter()
        pipe = pipeline(engines, config, greet=True)
        with pytest.raises(EngineFailed) as refused:
            await pipe.start()
        assert refused.value.stage == "tts"
        assert "fallback sentence" in str(refused.value)
        assert time.perf_counter() - started < FALLBACK_START_MARGIN * TIMEOUT_S + SLACK_S
    finally:
        engines.close()


async def test_a_stage_that_breaks_on_a_frame_fails_the_pipeline(
    config: VoicebotConfig,
) -> None:
    class Broken(DialogStage):
        async def process(self, frame: Frame) -> None:
            if isinstance(frame, TranscriptionFrame):
                raise KeyError("a dialog bug")
            await super().process(frame)

    engines = FakeEngines(FakeAsr(["Quels sont les horaires ?"]))
    try:
        pipe = pipeline(engines, config)
        index = next(i for i, s in enumerate(pipe.stages) if isinstance(s, DialogStage))
        stage: Stage = Broken(fake_knowledge(), engines.kb_pool, config.dialog)  # type: ignore[arg-type]
        stages = list(pipe.stages)
        stages[index] = stage
        broken = VoicebotPipeline(stages, sample_rate=RATE, lang="fr")
        async with broken:
            await ask(broken)
            failed = await next_failure(broken, WITHIN_S)
            assert failed.stage == "dialog"
            assert isinstance(failed.__cause__, KeyError)
    finally:
        engines.close()


async def test_one_calls_hung_knowledge_does_not_stop_another_calls_answers(
    config: VoicebotConfig, gate: Gate
) -> None:
    """Both calls share the engines' pools (two knowledge workers): one call's lookup
    hangs its worker; the other call is still answered from its card."""
    engines = FakeEngines(FakeAsr(["Quels sont les horaires ?", "Quels sont les horaires ?"]))
    try:
        async with (
            pipeline(engines, config, HungKnowledge(gate)) as stuck,
            pipeline(engines, config) as other,
        ):
            await ask(stuck)
            assert await stuck.wait_for(said(stuck, "pas de réponse fiable"), WITHIN_S)
            await ask(other)
            assert await other.wait_for(
                lambda _ev: any(f.card_id for f in other.of_type(AnswerFrame)), WITHIN_S
            )
            assert other.of_type(AnswerFrame)[0].card_id == "horaires-mairie"
    finally:
        engines.close()


@pytest.mark.parametrize("fault", ["raises", "hangs"])
async def test_a_prompt_whose_voice_fails_raises_rather_than_stay_silent(
    gate: Gate, fault: str
) -> None:
    tts = HungTts(gate) if fault == "hangs" else BrokenTts()
    sent: list[bytes] = []

    async def send(pcm: bytes) -> None:
        sent.append(pcm)

    with ThreadPoolExecutor(1) as pool:
        voice = Voice({"fr": tts, "en": tts}, pool, config=TtsConfig(timeout_s=TIMEOUT_S))
        started = time.perf_counter()
        with pytest.raises(VoicebotError):
            await voice.say("Votre rappel est noté. Au revoir.", "fr", send)
        assert time.perf_counter() - started < TIMEOUT_S + SLACK_S
        gate.released.set()  # let the pool's thread go before the pool closes
    assert sent == []


async def test_a_long_turn_is_given_longer_than_a_short_one(config: VoicebotConfig) -> None:
    """Whisper's work grows with the audio: a caller who talks for 10 s is no hung
    engine. The same slow transcription (twice the short-turn time-out) is given up
    for a short question, and waited for on a long turn."""

    class Slow(FakeAsr):
        def transcribe(self, audio16k: Float32Array, lang: Lang | None):  # type: ignore[no-untyped-def]
            time.sleep(2 * TIMEOUT_S)  # the engine's own pace (in its worker thread)
            return super().transcribe(audio16k, lang)

    for seconds, understood in ((1.0, False), (10.0, True)):
        engines = FakeEngines(Slow(["Quels sont les horaires ?"]))
        try:
            async with pipeline(engines, config) as pipe:
                for pcm in speech(seconds) + silence(1.0):
                    pipe.push_audio(pcm)
                    await asyncio.sleep(0)
                assert await pipe.wait_for(
                    lambda _ev, p=pipe: bool(p.of_type(TranscriptionFrame)), WITHIN_S
                )
                heard = pipe.of_type(TranscriptionFrame)[0]
                assert (heard.rejected is None) is understood, (seconds, heard.rejected)
        finally:
            engines.close()
