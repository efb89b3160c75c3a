"""The pipeline with fake engines: barge-in, echo, DTMF, resumption, silence, ordering."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import numpy as np
import pytest

from guichet.settings import Settings
from voicebot.audio import float_to_pcm16, pcm16_to_float
from voicebot.call import CallState
from voicebot.engines.asr import FakeAsr
from voicebot.engines.vad import EnergyVad
from voicebot.errors import AudioInputError
from voicebot.frames import (
    AnswerFrame,
    AudioFrame,
    BargeInFrame,
    BotAudioFrame,
    BotHangupFrame,
    DialogActionFrame,
    Frame,
    SpeakFrame,
    TranscriptionFrame,
    TurnCancelledFrame,
    UserStartedSpeakingFrame,
    UtteranceFrame,
)
from voicebot.pipeline import VoicebotPipeline
from voicebot.stages.vad_stage import VadConfig, VadStage

from .fakes import FakeEngines, fake_knowledge

RATE = 8000
STEP = RATE // 50
RNG = np.random.default_rng(7)


def speech(seconds: float) -> list[bytes]:
    n = int(seconds * 50)
    return [float_to_pcm16(RNG.uniform(-0.5, 0.5, STEP).astype(np.float32)) for _ in range(n)]


def silence(seconds: float) -> list[bytes]:
    return [bytes(2 * STEP)] * int(seconds * 50)


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(home=tmp_path)


async def feed(pipe: VoicebotPipeline, frames: list[bytes]) -> None:
    for pcm in frames:
        pipe.push_audio(pcm)
        await asyncio.sleep(0)  # let the stages run between frames, as on a call


@pytest.fixture
async def engines() -> AsyncIterator[FakeEngines]:
    fakes = FakeEngines(FakeAsr(["Quels sont les horaires d'ouverture ?"]))
    yield fakes
    fakes.close()


async def test_vad_stage_barges_in_within_120ms_and_ignores_echo() -> None:
    call = CallState("fr", RATE)
    stage = VadStage(EnergyVad(0.02), call, VadConfig(barge_in_min_speech_ms=100))
    out: list[Frame] = []
    stage.link(out.append)
    call.bot_speaking = True
    # The bot's own voice coming back 16 dB down is not the caller.
    bot = 0.3 * np.sin(2 * np.pi * 440 * np.arange(STEP) / RATE).astype(np.float32)
    for _ in range(50):
        call.note_bot_audio(float(np.sqrt(np.mean(bot**2))))
        await stage.process(AudioFrame(float_to_pcm16(bot * 0.16), RATE))
    assert not [f for f in out if isinstance(f, BargeInFrame | UserStartedSpeakingFrame)]
    onset_t = 50 * 0.02
    for pcm in speech(0.3):
        await stage.process(AudioFrame(pcm, RATE))
    barge = [f for f in out if isinstance(f, BargeInFrame)]
    assert len(barge) == 1
    assert barge[0].t - onset_t <= 0.12 + 1e-6


async def test_barge_in_stops_bot_audio_within_200ms(engines: FakeEngines, settings) -> None:  # type: ignore[no-untyped-def]
    pipe = VoicebotPipeline(
        engines, fake_knowledge(), settings, sample_rate=RATE, paced=True, silence_timeout_s=0
    )
    async with pipe:
        first = await asyncio.wait_for(pipe.next_output(), 5)  # the greeting is playing
        assert isinstance(first, BotAudioFrame)
        frames = speech(0.2)
        pushed_at = []
        for pcm in frames:
            pushed_at.append(time.perf_counter())
            pipe.push_audio(pcm)
        assert await pipe.wait_for(lambda ev: any(isinstance(f, BargeInFrame) for f in ev), 2)
        barge = pipe.of_type(BargeInFrame)[0]
        stop_wall = pipe.output.last_stop_wall
        assert stop_wall is not None
        index = round(barge.t / 0.02) - 1  # the frame whose processing decided the barge-in
        onset_to_decision = barge.t - 0.0  # caller audio started at t = 0
        latency = onset_to_decision + (stop_wall - pushed_at[index])
        print(f"barge-in latency {latency * 1000:.0f} ms")
        assert latency < 0.2, latency
        assert not pipe.call.bot_speaking
        assert not any(isinstance(f, BotAudioFrame) for f in pipe.output._playback)
        assert not any(isinstance(f, BotAudioFrame) for f in pipe.drain_output())


async def test_a_turn_end_to_end_with_fakes(engines: FakeEngines, settings) -> None:  # type: ignore[no-untyped-def]
    pipe = VoicebotPipeline(
        engines,
        fake_knowledge(),
        settings,
        sample_rate=RATE,
        paced=False,
        greet=False,
        silence_timeout_s=0,
    )
    async with pipe:
        await feed(pipe, silence(0.2) + speech(1.0) + silence(0.6))
        assert await pipe.wait_for(
            lambda ev: bool(
                [f for f in ev if isinstance(f, SpeakFrame) and f.text.startswith("Avez")]
            ),
            5,
        )
        kinds = [type(f).__name__ for f in pipe.events]
        # ordering: transcript, then the answer, then what was said
        assert kinds.index("TranscriptionFrame") < kinds.index("AnswerFrame")
        assert kinds.index("AnswerFrame") < kinds.index("SpeakFrame")
        answer = pipe.of_type(AnswerFrame)[0]
        assert answer.card_id == "horaires-mairie"
        audio = [f for f in pipe.drain_output() if isinstance(f, BotAudioFrame)]
        assert audio and all(len(f.pcm) == 2 * STEP and f.sample_rate == RATE for f in audio)
    assert engines.asr.calls and engines.asr.calls[0][1] == "fr"


async def test_caller_resuming_after_a_short_pause_is_one_turn(settings) -> None:  # type: ignore[no-untyped-def]
    engines = FakeEngines(FakeAsr(["Quels sont les", "Quels sont les horaires ?"]))
    pipe = VoicebotPipeline(
        engines,
        fake_knowledge(),
        settings,
        sample_rate=RATE,
        paced=False,
        greet=False,
        silence_timeout_s=0,
    )
    try:
        async with pipe:
            await feed(pipe, speech(0.6) + silence(0.4) + speech(0.6) + silence(0.6))
            assert await pipe.wait_for(
                lambda ev: any(isinstance(f, AnswerFrame) and f.card_id for f in ev), 5
            )
            assert pipe.of_type(TurnCancelledFrame)
            final = pipe.of_type(TranscriptionFrame)[-1]
            assert (final.turn, final.revision) == (1, 1)
            assert final.text == "Quels sont les horaires ?"
            assert pipe.dialog.state.turns == 1  # the replay did not count twice
            sizes = [n for n, _ in engines.asr.calls]
            assert sizes[-1] > sizes[0] * 2  # both parts transcribed together
    finally:
        engines.close()


async def test_dtmf_zero_then_accept_callback(engines: FakeEngines, settings) -> None:  # type: ignore[no-untyped-def]
    pipe = VoicebotPipeline(
        engines,
        fake_knowledge(),
        settings,
        sample_rate=RATE,
        paced=False,
        greet=False,
        silence_timeout_s=0,
    )
    async with pipe:
        pipe.push_dtmf("0")
        assert await pipe.wait_for(lambda ev: any(isinstance(f, SpeakFrame) for f in ev), 5)
        assert "rappelle" in pipe.of_type(SpeakFrame)[0].text
        pipe.push_dtmf("1")
        assert await pipe.wait_for(lambda ev: any(isinstance(f, BotHangupFrame) for f in ev), 5)
        actions = pipe.of_type(DialogActionFrame)
        assert [a.kind for a in actions] == ["callback"]
        outputs = []
        while not outputs or not isinstance(outputs[-1], BotHangupFrame):
            outputs.append(await asyncio.wait_for(pipe.next_output(), 5))
        assert any(isinstance(f, BotAudioFrame) for f in outputs[:-1])  # goodbye before hangup


async def test_silence_timeout_prompts_the_caller(engines: FakeEngines, settings) -> None:  # type: ignore[no-untyped-def]
    pipe = VoicebotPipeline(
        engines,
        fake_knowledge(),
        settings,
        sample_rate=16000,
        paced=False,
        greet=True,
        silence_timeout_s=0.1,
    )
    async with pipe:
        assert await pipe.wait_for(
            lambda ev: any(isinstance(f, SpeakFrame) and "toujours" in f.text for f in ev), 5
        )


async def test_pipeline_rejects_unsupported_rates(engines: FakeEngines, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AudioInputError):
        VoicebotPipeline(engines, fake_knowledge(), settings, sample_rate=44100)


def test_utterance_audio_is_16k(settings) -> None:  # type: ignore[no-untyped-def]
    async def run() -> list[UtteranceFrame]:
        call = CallState("fr", RATE)
        stage = VadStage(EnergyVad(0.02), call)
        out: list[Frame] = []
        stage.link(out.append)
        for pcm in speech(1.0) + silence(0.5):
            await stage.process(AudioFrame(pcm, RATE))
        return [f for f in out if isinstance(f, UtteranceFrame)]

    utterances = asyncio.run(run())
    assert len(utterances) == 1
    seconds = len(pcm16_to_float(utterances[0].pcm16k)) / 16000
    assert 1.0 <= seconds <= 1.25  # speech + ≤ 0.2 s of tail, no long silence


class BrokenKnowledge:
    def answer(self, question: str, lang: str) -> object:
        raise RuntimeError("index unreadable")


async def test_a_failing_knowledge_base_gives_an_honest_reply(
    engines: FakeEngines, settings
) -> None:  # type: ignore[no-untyped-def]
    pipe = VoicebotPipeline(
        engines,
        BrokenKnowledge(),
        settings,
        sample_rate=RATE,  # type: ignore[arg-type]
        paced=False,
        greet=False,
        silence_timeout_s=0,
    )
    async with pipe:
        await feed(pipe, speech(0.8) + silence(0.6))
        assert await pipe.wait_for(lambda ev: any(isinstance(f, SpeakFrame) for f in ev), 5)
        assert "désolé" in pipe.of_type(SpeakFrame)[0].text
        assert pipe.of_type(AnswerFrame)[0].abstained
