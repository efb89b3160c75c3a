"""Run the live pipeline on a recorded caller turn (``guichet voicebot simulate``)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voicebot.audio import (
    SUPPORTED_CALL_RATES,
    Float32Array,
    iter_frames,
    pcm16_to_float,
    read_wav,
    resample,
    write_wav,
)
from voicebot.config import VoicebotConfig
from voicebot.errors import AudioInputError
from voicebot.frames import (
    AnswerFrame,
    BotAudioFrame,
    Frame,
    Lang,
    SpeakFrame,
    TranscriptionFrame,
    TtsDoneFrame,
)
from voicebot.knowledge_port import Knowledge
from voicebot.pipeline import EngineSet, VoicebotPipeline
from voicebot.stages.output import OutputStage
from voicebot.stages.tts_stage import TtsStage
from voicebot.stages.vad_stage import VadStage

TAIL_S = 1.0  # silence fed after the file so the last turn ends


@dataclass
class SimulationResult:
    transcript: str
    lang: Lang
    card_id: str | None
    abstained: bool
    reply_text: str
    timings: dict[str, float | None]
    turns: int
    sample_rate: int
    reply_audio: Float32Array = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "lang": self.lang,
            "card_id": self.card_id,
            "abstained": self.abstained,
            "reply_text": self.reply_text,
            "timings": self.timings,
            "turns": self.turns,
            "notes": self.notes,
        }


def load_caller_audio(path: Path) -> tuple[Float32Array, int, list[str]]:
    samples, rate = read_wav(path)
    notes: list[str] = []
    if samples.size == 0:
        raise AudioInputError(f"{path}: contains no audio samples")
    if rate not in SUPPORTED_CALL_RATES:
        notes.append(f"resampled from {rate} Hz to 16000 Hz")
        samples, rate = resample(samples, rate, 16000), 16000
    return samples, rate, notes


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _final_turn_done(pipe: VoicebotPipeline) -> bool:
    turn = pipe.stage(VadStage).turn
    if turn == 0:
        return True
    events = pipe.events
    last_tx = max(
        (i for i, f in enumerate(events) if isinstance(f, TranscriptionFrame) and f.turn == turn),
        default=-1,
    )
    if last_tx < 0:
        return False
    return any(isinstance(f, TtsDoneFrame) and f.turn == turn for f in events[last_tx:])


async def simulate(
    engines: EngineSet,
    knowledge: Knowledge,
    config: VoicebotConfig,
    samples: Float32Array,
    rate: int,
    *,
    lang: Lang | None = None,
    realtime: bool = False,
    notes: list[str] | None = None,
) -> SimulationResult:
    """Feed ``samples`` as 20 ms frames (at real-time pace with ``realtime``)."""
    pipe = VoicebotPipeline.voicebot(
        engines,
        knowledge,
        config,
        sample_rate=rate,
        lang=lang,
        greet=False,
        paced=False,
        silence_timeout_s=0,
    )
    audio_s = samples.size / rate
    async with pipe:
        loop = asyncio.get_running_loop()
        feed_start = time.perf_counter()
        next_at = loop.time()
        padded = np.concatenate([samples, np.zeros(int(TAIL_S * rate), dtype=np.float32)])
        for pcm in iter_frames(padded, rate):
            pipe.push_audio(pcm)
            if realtime:
                next_at += 0.02
                await asyncio.sleep(max(0.0, next_at - loop.time()))  # real-time pacing
            else:
                await asyncio.sleep(0)
        finished = await pipe.wait_for(lambda _e: _final_turn_done(pipe), 60.0 + audio_s)
        reply_frames = [f for f in pipe.drain_output() if isinstance(f, BotAudioFrame)]
    run_notes = list(notes or [])
    if not finished:
        run_notes.append("timed out waiting for the reply")
    turn = pipe.stage(VadStage).turn
    transcripts: dict[int, TranscriptionFrame] = {}
    for frame in pipe.of_type(TranscriptionFrame):
        transcripts[frame.turn] = frame
    answers = [a for a in pipe.of_type(AnswerFrame) if a.turn == turn]
    answer = answers[-1] if answers else None
    last_tx = transcripts.get(turn)
    speak_texts = _reply_texts(pipe.events, turn)
    timings: dict[str, float | None] = {
        "asr_ms": None,
        "retrieval_ms": None,
        "tts_first_audio_ms": None,
        "voice_to_voice_ms": None,
    }
    if last_tx is not None:
        timings["asr_ms"] = _round(last_tx.asr_ms)
        first_wall = pipe.stage(OutputStage).first_audio_wall.get(turn)
        if first_wall is not None:
            if realtime:
                v2v = (first_wall - feed_start - last_tx.speech_end_t) * 1000
            else:
                waited = last_tx.endpoint_t - last_tx.speech_end_t
                v2v = (waited + first_wall - last_tx.endpoint_wall) * 1000
            timings["voice_to_voice_ms"] = _round(v2v)
        timings["tts_first_audio_ms"] = _round(pipe.stage(TtsStage).first_audio_ms.get(turn))
    if answer is not None:
        timings["retrieval_ms"] = _round(answer.retrieval_ms)
    if turn == 0:
        run_notes.append("no speech detected")
    audio = (
        np.concatenate([pcm16_to_float(f.pcm) for f in reply_frames if f.turn == turn])
        if any(f.turn == turn for f in reply_frames)
        else np.zeros(0, dtype=np.float32)
    )
    return SimulationResult(
        transcript=" ".join(transcripts[t].text for t in sorted(transcripts)).strip(),
        lang=pipe.lang,
        card_id=answer.card_id if answer else None,
        abstained=answer.abstained if answer else True,
        reply_text=" ".join(speak_texts),
        timings=timings,
        turns=turn,
        sample_rate=rate,
        reply_audio=audio,
        notes=run_notes,
    )


def _reply_texts(events: list[Frame], turn: int) -> list[str]:
    last_tx = max(
        (i for i, f in enumerate(events) if isinstance(f, TranscriptionFrame) and f.turn == turn),
        default=-1,
    )
    return [f.text for f in events[last_tx + 1 :] if isinstance(f, SpeakFrame) and f.turn == turn]


async def simulate_file(
    engines: EngineSet,
    knowledge: Knowledge,
    config: VoicebotConfig,
    wav: Path,
    *,
    lang: Lang | None = None,
    realtime: bool = False,
    out: Path | None = None,
) -> SimulationResult:
    samples, rate, notes = load_caller_audio(wav)
    result = await simulate(
        engines, knowledge, config, samples, rate, lang=lang, realtime=realtime, notes=notes
    )
    if out is not None:
        write_wav(out, result.reply_audio, result.sample_rate)
    return result
