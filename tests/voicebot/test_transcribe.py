"""The transcribe-only pipeline (live assist): a call leg's audio in, transcripts out;
no dialog, no voice."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.support.speech import caller_audio
from voicebot import VoicebotConfig, VoicebotPipeline
from voicebot.audio import iter_frames, read_wav
from voicebot.engines.vad import VadEngine
from voicebot.frames import (
    AnswerFrame,
    Frame,
    HangupFrame,
    LanguageFrame,
    SpeakFrame,
    TranscriptionFrame,
)
from voicebot.runtime import Engines
from voicebot.stages.asr_stage import AsrStage
from voicebot.stages.vad_stage import VadStage

from .fakes import EnergyVad, FakeAsr
from .speech import phone_wav, say
from .test_pipeline import RATE, feed, silence, speech


@dataclass
class Ears:
    """Only what listening needs: no TTS, no knowledge executor."""

    asr: FakeAsr
    asr_pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2))

    def vad_factory(self) -> VadEngine:
        return EnergyVad(0.02)


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def final_transcripts(frames: Sequence[Frame]) -> dict[int, TranscriptionFrame]:
    """Per turn, the last revision heard (a resumed turn replaces the earlier one)."""
    latest: dict[int, TranscriptionFrame] = {}
    for frame in frames:
        if isinstance(frame, TranscriptionFrame):
            latest[frame.turn] = frame
    return latest


def heard(events: Sequence[Frame], revisions: dict[int, int]) -> bool:
    """Each turn has been transcribed, at least up to the given revision."""
    latest = final_transcripts(events)
    return all(t in latest and latest[t].revision >= r for t, r in revisions.items())


async def test_turns_become_transcript_events_and_nothing_is_said() -> None:
    ears = Ears(
        FakeAsr(["Bonjour, j'appelle pour", "Bonjour, j'appelle pour un passeport", "Merci"])
    )
    seen: list[Frame] = []
    pipe = VoicebotPipeline.transcribe(
        ears, VoicebotConfig(), sample_rate=RATE, lang="fr", on_event=seen.append
    )
    assert [type(s) for s in pipe.stages] == [VadStage, AsrStage]
    try:
        async with pipe:
            # a turn, resumed after a short pause (one turn, revised), then another turn
            await feed(
                pipe,
                speech(0.6)
                + silence(0.4)
                + speech(0.6)
                + silence(1.2)
                + speech(0.5)
                + silence(0.6),
            )
            assert await pipe.wait_for(lambda ev: heard(ev, {1: 1, 2: 0}), 5)
            pipe.hangup()
            assert isinstance(await asyncio.wait_for(pipe.next_output(), 5), HangupFrame)
        turns = final_transcripts(seen)
        assert {t: f.text for t, f in turns.items()} == {
            1: "Bonjour, j'appelle pour un passeport",
            2: "Merci",
        }
        assert turns[1].revision == 1 and all(f.lang == "fr" for f in turns.values())
        assert [lang for _, lang in ears.asr.calls] == ["fr", "fr", "fr"]  # never detected
        assert not [f for f in seen if isinstance(f, SpeakFrame | AnswerFrame | LanguageFrame)]
        assert not pipe.drain_output()  # no voice
        assert seen == pipe.events
    finally:
        ears.asr_pool.shutdown(wait=False)


async def feed_wav(pipe: VoicebotPipeline, wav: Path) -> None:
    samples, rate = read_wav(wav)
    assert rate == pipe.sample_rate
    tail = np.zeros(rate, dtype=np.float32)  # the line goes quiet: the last turn ends
    for pcm in iter_frames(np.concatenate([samples, tail]), rate):
        pipe.push_audio(pcm)
        await asyncio.sleep(0)


async def test_whisper_transcribes_a_call_leg(
    engines: Engines, vb_config: VoicebotConfig, tmp_path: Path
) -> None:
    mic = caller_audio(
        tmp_path / "caller.wav",
        (0.3, "Bonjour, je voudrais refaire ma carte d'identité."),
        (1.2, "Et quels sont les horaires de la mairie ?"),
    )
    samples, rate = read_wav(mic)
    line = phone_wav(samples, rate, tmp_path / "line.wav")  # the snooped leg: 8 kHz, G.711
    seen: list[Frame] = []
    async with VoicebotPipeline.transcribe(
        engines, vb_config, sample_rate=8000, lang="fr", on_event=seen.append
    ) as pipe:
        await feed_wav(pipe, line)
        assert await pipe.wait_for(lambda ev: heard(ev, {1: 0, 2: 0}), 60)
    turns = final_transcripts(seen)
    assert sorted(turns) == [1, 2]
    assert {"carte", "identité"} <= words(turns[1].text), turns[1].text
    assert {"horaires", "mairie"} <= words(turns[2].text), turns[2].text
    assert not [f for f in seen if isinstance(f, SpeakFrame | AnswerFrame)]


async def test_whisper_detects_the_language_of_a_call_leg(
    engines: Engines, vb_config: VoicebotConfig, voices: Path
) -> None:
    wav = say("How do I apply for a passport?", "en", voices, "live-en")
    async with VoicebotPipeline.transcribe(engines, vb_config, sample_rate=8000) as pipe:
        assert (pipe.lang, pipe.lang_known) == ("fr", False)
        await feed_wav(pipe, wav)
        assert await pipe.wait_for(
            lambda ev: any(isinstance(f, TranscriptionFrame) for f in ev), 60
        )
    assert pipe.of_type(LanguageFrame) == [LanguageFrame("en", "detected")]
    assert (pipe.lang, pipe.lang_known) == ("en", True)
    assert "passport" in words(pipe.of_type(TranscriptionFrame)[0].text)
