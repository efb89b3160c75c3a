"""The voicebot pipeline with fake engines: barge-in, echo, DTMF, resumption, silence,
language, ordering."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from guichet.settings import Settings
from voicebot import VoicebotConfig
from voicebot.audio import float_to_pcm16, pcm16_to_float, resample, rms
from voicebot.errors import AudioInputError
from voicebot.frames import (
    AnswerFrame,
    AudioFrame,
    BargeInFrame,
    BotAudioFrame,
    BotHangupFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    DialogActionFrame,
    EchoReferenceFrame,
    Frame,
    LanguageFrame,
    SpeakFrame,
    TranscriptionFrame,
    TurnCancelledFrame,
    UserStartedSpeakingFrame,
    UtteranceFrame,
)
from voicebot.knowledge_port import SimpleAnswer
from voicebot.pipeline import VoicebotPipeline
from voicebot.stages.dialog_stage import DialogStage
from voicebot.stages.output import OutputStage
from voicebot.stages.vad_stage import VadConfig, VadStage

from .fakes import EnergyVad, FakeAsr, FakeEngines, fake_knowledge

RATE = 8000
STEP = RATE // 50
RNG = np.random.default_rng(7)


def speech(seconds: float) -> list[bytes]:
    n = int(seconds * 50)
    return [float_to_pcm16(RNG.uniform(-0.5, 0.5, STEP).astype(np.float32)) for _ in range(n)]


def silence(seconds: float) -> list[bytes]:
    return [bytes(2 * STEP)] * int(seconds * 50)


@pytest.fixture
def config(tmp_path: Path) -> VoicebotConfig:
    return VoicebotConfig.from_settings(Settings(home=tmp_path))


async def feed(pipe: VoicebotPipeline, frames: list[bytes]) -> None:
    for pcm in frames:
        pipe.push_audio(pcm)
        await asyncio.sleep(0)  # let the stages run between frames, as on a call


@pytest.fixture
async def engines() -> AsyncIterator[FakeEngines]:
    fakes = FakeEngines(FakeAsr(["Quels sont les horaires d'ouverture ?"]))
    yield fakes
    fakes.close()


def quiet(engines: FakeEngines, config: VoicebotConfig, **options: object) -> VoicebotPipeline:
    """A voicebot that does not greet, prompt on silence, nor wait for the 20 ms clock."""
    settings: dict[str, object] = {"greet": False, "paced": False, "silence_timeout_s": 0}
    settings.update(options)
    return VoicebotPipeline.voicebot(
        engines,
        fake_knowledge(),
        config,
        sample_rate=RATE,
        **settings,  # type: ignore[arg-type]
    )


async def test_vad_stage_barges_in_within_120ms_and_ignores_echo() -> None:
    stage = VadStage(EnergyVad(0.02), VadConfig(barge_in_min_speech_ms=100))
    out: list[Frame] = []
    stage.link(out.append)
    await stage.process_upstream(BotStartedSpeakingFrame())
    # The bot's own voice coming back 16 dB down is not the caller.
    bot = 0.3 * np.sin(2 * np.pi * 440 * np.arange(STEP) / RATE).astype(np.float32)
    for _ in range(50):
        await stage.process_upstream(EchoReferenceFrame(rms(bot), time.perf_counter()))
        await stage.process(AudioFrame(float_to_pcm16(bot * 0.16), RATE))
    assert not [f for f in out if isinstance(f, BargeInFrame | UserStartedSpeakingFrame)]
    onset_t = 50 * 0.02
    for pcm in speech(0.3):
        await stage.process(AudioFrame(pcm, RATE))
    barge = [f for f in out if isinstance(f, BargeInFrame)]
    assert len(barge) == 1
    assert barge[0].t - onset_t <= 0.12 + 1e-6


async def test_vad_stage_does_not_barge_in_when_the_bot_is_silent() -> None:
    stage = VadStage(EnergyVad(0.02))
    out: list[Frame] = []
    stage.link(out.append)
    await stage.process_upstream(BotStartedSpeakingFrame())
    await stage.process_upstream(BotStoppedSpeakingFrame())
    for pcm in speech(0.5):
        await stage.process(AudioFrame(pcm, RATE))
    assert any(isinstance(f, UserStartedSpeakingFrame) for f in out)
    assert not any(isinstance(f, BargeInFrame) for f in out)


async def test_barge_in_stops_bot_audio_within_200ms(
    engines: FakeEngines, config: VoicebotConfig
) -> None:
    pipe = VoicebotPipeline.voicebot(
        engines, fake_knowledge(), config, sample_rate=RATE, paced=True, silence_timeout_s=0
    )
    async with pipe:
        first = await asyncio.wait_for(pipe.next_output(), 5)  # the greeting is playing
        assert isinstance(first, BotAudioFrame)
        # a quiet line while the greeting plays, as on a call: meanwhile the output
        # stage's BotStartedSpeakingFrame reaches the VAD (upstream)
        quiet_line = silence(0.1)
        await feed(pipe, quiet_line)
        assert pipe.stage(VadStage).bot_speaking
        onset = len(quiet_line) * 0.02  # audio time when the caller starts talking
        frames = speech(0.2)
        pushed_at = []
        for pcm in frames:
            pushed_at.append(time.perf_counter())
            pipe.push_audio(pcm)
        assert await pipe.wait_for(lambda ev: any(isinstance(f, BargeInFrame) for f in ev), 2)
        output = pipe.stage(OutputStage)
        barge = pipe.of_type(BargeInFrame)[0]
        stop_wall = output.last_stop_wall
        assert stop_wall is not None
        # the frame whose processing decided the barge-in
        index = round((barge.t - onset) / 0.02) - 1
        onset_to_decision = barge.t - onset
        latency = onset_to_decision + (stop_wall - pushed_at[index])
        print(f"barge-in latency {latency * 1000:.0f} ms")
        assert latency < 0.2, latency
        assert not output.speaking
        assert BotStoppedSpeakingFrame(interrupted=True) in pipe.events
        assert not any(isinstance(f, BotAudioFrame) for f in output._playback)
        assert not any(isinstance(f, BotAudioFrame) for f in pipe.drain_output())


async def test_the_bots_own_echo_does_not_interrupt_it_but_the_caller_does(
    engines: FakeEngines, config: VoicebotConfig
) -> None:
    """The line echo of the greeting (16 dB down) comes back in the caller's audio: the
    bot keeps talking; the caller's louder voice interrupts it."""
    pipe = VoicebotPipeline.voicebot(
        engines, fake_knowledge(), config, sample_rate=RATE, paced=True, silence_timeout_s=0
    )
    async with pipe:
        echoed = 0
        # 0.8 s of the greeting played and echoed back (a barge-in would stop it early)
        while echoed < 40 and not pipe.of_type(BargeInFrame):
            frame = await asyncio.wait_for(pipe.next_output(), 1)
            if isinstance(frame, BotAudioFrame):
                pipe.push_audio(float_to_pcm16(0.16 * pcm16_to_float(frame.pcm)))
                echoed += 1
        assert not pipe.of_type(BargeInFrame)
        assert not pipe.of_type(UserStartedSpeakingFrame)
        await feed(pipe, speech(0.3))
        assert await pipe.wait_for(lambda ev: any(isinstance(f, BargeInFrame) for f in ev), 2)


async def test_a_turn_end_to_end_with_fakes(engines: FakeEngines, config: VoicebotConfig) -> None:
    pipe = quiet(engines, config)
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
        # the card's title and service travel with the answer
        assert (answer.title, answer.service) == ("les horaires de la mairie", "accueil")
        audio = [f for f in pipe.drain_output() if isinstance(f, BotAudioFrame)]
        assert audio and all(len(f.pcm) == 2 * STEP and f.sample_rate == RATE for f in audio)
    # no language given: heard in the default language; an engine that cannot tell the
    # language gives no evidence, so it stays the default, not known (test_language.py)
    assert engines.asr.calls and engines.asr.calls[0][1] == "fr"
    assert pipe.of_type(LanguageFrame) == []
    assert (pipe.lang, pipe.lang_known) == ("fr", False)


class UnsureKnowledge:
    """No reliable card, but the topic's service is known."""

    def answer(self, question: str, lang: str) -> SimpleAnswer:
        return SimpleAnswer(abstained=True, title="permis de construire", service="urbanisme")


async def test_an_abstention_carries_the_service_hint(config: VoicebotConfig) -> None:
    engines = FakeEngines(FakeAsr(["Je voudrais construire un garage"]))
    pipe = VoicebotPipeline.voicebot(
        engines, UnsureKnowledge(), config, sample_rate=RATE, greet=False, paced=False
    )
    try:
        async with pipe:
            await feed(pipe, speech(0.8) + silence(0.6))
            assert await pipe.wait_for(lambda ev: any(isinstance(f, AnswerFrame) for f in ev), 5)
            answer = pipe.of_type(AnswerFrame)[0]
            assert answer.abstained and answer.card_id is None and answer.title is None
            assert answer.service == "urbanisme"
    finally:
        engines.close()


class BandKnowledge:
    """Every question falls in the confirm band of one card."""

    def answer(self, question: str, lang: str) -> SimpleAnswer:
        return SimpleAnswer(
            False,
            "passeport-demande",
            0.65,
            "Le passeport se demande sur rendez-vous.",
            "la demande de passeport",
            "etat-civil",
            "fr",
            to_confirm=True,
        )


async def test_a_card_to_confirm_is_answered_only_when_the_caller_says_yes(
    config: VoicebotConfig,
) -> None:
    engines = FakeEngines(FakeAsr(["Il me faut un papier pour voyager", "Oui"]))
    pipe = VoicebotPipeline.voicebot(
        engines, BandKnowledge(), config, sample_rate=RATE, greet=False, paced=False
    )
    try:
        async with pipe:
            await feed(pipe, speech(0.8) + silence(0.6))
            assert await pipe.wait_for(lambda ev: any(isinstance(f, AnswerFrame) for f in ev), 5)
            assert await pipe.wait_for(
                lambda ev: any(isinstance(f, BotStoppedSpeakingFrame) for f in ev), 5
            )
            put = pipe.of_type(AnswerFrame)
            assert [(a.card_id, a.to_confirm) for a in put] == [("passeport-demande", True)]
            assert any(f.text.startswith("Vous parlez bien de") for f in pipe.of_type(SpeakFrame))
            # after the resume window (the bot's question was heard), the caller says yes
            await feed(pipe, silence(1.0) + speech(0.5) + silence(0.6))
            assert await pipe.wait_for(
                lambda ev: sum(isinstance(f, AnswerFrame) for f in ev) == 2, 5
            )
            given = pipe.of_type(AnswerFrame)[1]
            # the answer turn carries the card, no longer to confirm, with what is said
            assert (given.card_id, given.to_confirm) == ("passeport-demande", False)
            assert given.turn > put[0].turn
            assert given.reply_text.startswith("Le passeport se demande")
    finally:
        engines.close()


async def test_caller_resuming_after_a_short_pause_is_one_turn(config: VoicebotConfig) -> None:
    engines = FakeEngines(FakeAsr(["Quels sont les", "Quels sont les horaires ?"]))
    try:
        async with quiet(engines, config) as pipe:
            await feed(pipe, speech(0.6) + silence(0.4) + speech(0.6) + silence(0.6))
            assert await pipe.wait_for(
                lambda ev: any(isinstance(f, AnswerFrame) and f.card_id for f in ev), 5
            )
            assert pipe.of_type(TurnCancelledFrame)
            final = pipe.of_type(TranscriptionFrame)[-1]
            assert (final.turn, final.revision) == (1, 1)
            assert final.text == "Quels sont les horaires ?"
            # the replay did not count twice
            assert pipe.stage(DialogStage).dialog.state.turns == 1
            sizes = [n for n, _ in engines.asr.calls]
            assert sizes[-1] > sizes[0] * 2  # both parts transcribed together
    finally:
        engines.close()


async def test_the_caller_chooses_english_and_is_heard_in_english(
    config: VoicebotConfig,
) -> None:
    engines = FakeEngines(FakeAsr(["What are the opening hours?"], detects="fr"))
    try:
        async with quiet(engines, config) as pipe:
            assert (pipe.lang, pipe.lang_known) == ("fr", False)
            pipe.push_dtmf("2")  # "For English, press 2"
            assert await pipe.wait_for(lambda ev: any(isinstance(f, SpeakFrame) for f in ev), 5)
            assert pipe.of_type(LanguageFrame) == [LanguageFrame("en", "chosen")]
            assert (pipe.lang, pipe.lang_known) == ("en", True)
            assert pipe.of_type(SpeakFrame)[0].lang == "en"
            await feed(pipe, speech(0.8) + silence(0.6))
            assert await pipe.wait_for(lambda ev: any(isinstance(f, AnswerFrame) for f in ev), 5)
            # the ASR was told (upstream) to listen in English, not to detect
            assert [lang for _, lang in engines.asr.calls] == ["en"]
            assert pipe.of_type(TranscriptionFrame)[0].lang == "en"
    finally:
        engines.close()


async def test_dtmf_zero_then_accept_callback(engines: FakeEngines, config: VoicebotConfig) -> None:
    async with quiet(engines, config) as pipe:
        pipe.push_dtmf("0")
        assert await pipe.wait_for(lambda ev: any(isinstance(f, SpeakFrame) for f in ev), 5)
        assert "rappelle" in pipe.of_type(SpeakFrame)[0].text
        pipe.push_dtmf("1")
        assert await pipe.wait_for(lambda ev: any(isinstance(f, BotHangupFrame) for f in ev), 5)
        actions = pipe.of_type(DialogActionFrame)
        assert [a.kind for a in actions] == ["callback"]
        outputs: list[Frame] = []
        while not outputs or not isinstance(outputs[-1], BotHangupFrame):
            outputs.append(await asyncio.wait_for(pipe.next_output(), 5))
        assert any(isinstance(f, BotAudioFrame) for f in outputs[:-1])  # goodbye before hangup


async def test_silence_timeout_prompts_the_caller(
    engines: FakeEngines, config: VoicebotConfig
) -> None:
    pipe = VoicebotPipeline.voicebot(
        engines,
        fake_knowledge(),
        config,
        sample_rate=16000,
        paced=False,
        greet=True,
        silence_timeout_s=0.1,
    )
    async with pipe:
        assert await pipe.wait_for(
            lambda ev: any(isinstance(f, SpeakFrame) and "toujours" in f.text for f in ev), 5
        )
        # the prompt came once the greeting had been played out, not during it
        events = pipe.events
        prompt = next(
            i for i, f in enumerate(events) if isinstance(f, SpeakFrame) and "toujours" in f.text
        )
        assert BotStoppedSpeakingFrame(interrupted=False) in events[:prompt]


async def test_pipeline_rejects_unsupported_rates(
    engines: FakeEngines, config: VoicebotConfig
) -> None:
    with pytest.raises(AudioInputError):
        VoicebotPipeline.voicebot(engines, fake_knowledge(), config, sample_rate=44100)


def test_utterance_audio_is_16k() -> None:
    async def run() -> list[UtteranceFrame]:
        stage = VadStage(EnergyVad(0.02))
        out: list[Frame] = []
        stage.link(out.append)
        for pcm in speech(1.0) + silence(0.5):
            await stage.process(AudioFrame(pcm, RATE))
        return [f for f in out if isinstance(f, UtteranceFrame)]

    utterances = asyncio.run(run())
    assert len(utterances) == 1
    seconds = len(pcm16_to_float(utterances[0].pcm16k)) / 16000
    assert 1.0 <= seconds <= 1.25  # speech + ≤ 0.2 s of tail, no long silence


def test_8k_call_audio_is_upsampled_without_a_step_at_every_frame_edge() -> None:
    """A tone cut into 20 ms frames comes out as smooth as the whole tone resampled:
    frames resampled one by one left a 50 Hz buzz that Whisper mishears."""
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)).astype(np.float32)

    async def run() -> list[UtteranceFrame]:
        stage = VadStage(EnergyVad(0.02))
        out: list[Frame] = []
        stage.link(out.append)
        frames = [float_to_pcm16(tone[i : i + STEP]) for i in range(0, tone.size, STEP)]
        for pcm in frames + silence(0.5):
            await stage.process(AudioFrame(pcm, RATE))
        return [f for f in out if isinstance(f, UtteranceFrame)]

    utterances = asyncio.run(run())
    assert len(utterances) == 1
    heard = pcm16_to_float(utterances[0].pcm16k)[320:-3200]  # the steady tone
    whole = resample(tone, RATE, 16000)[320:-320]
    roughest = float(np.abs(np.diff(heard, 2)).max())
    assert roughest <= 1.1 * float(np.abs(np.diff(whole, 2)).max()) + 1e-3


class BrokenKnowledge:
    def answer(self, question: str, lang: str) -> object:
        raise RuntimeError("index unreadable")


async def test_a_failing_knowledge_base_gives_an_honest_reply(
    engines: FakeEngines, config: VoicebotConfig
) -> None:
    pipe = VoicebotPipeline.voicebot(
        engines,
        BrokenKnowledge(),  # type: ignore[arg-type]
        config,
        sample_rate=RATE,
        paced=False,
        greet=False,
        silence_timeout_s=0,
    )
    async with pipe:
        await feed(pipe, speech(0.8) + silence(0.6))
        assert await pipe.wait_for(lambda ev: any(isinstance(f, SpeakFrame) for f in ev), 5)
        assert "désolé" in pipe.of_type(SpeakFrame)[0].text
        assert pipe.of_type(AnswerFrame)[0].abstained
