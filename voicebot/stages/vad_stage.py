"""VAD stage: caller audio → speech start/stop, barge-in, and cut utterances.

End of turn after ``end_silence_ms`` of silence (the utterance is cut at speech end
+ 0.2 s). A caller who resumes within ``resume_window_ms`` of the speech end
continues the same turn: the stage cancels the pending turn and later sends a
new revision with both parts. While the bot speaks, a frame counts as caller
speech only if louder than the echo of the bot's own recent output (echo guard).

The stage learns that the bot speaks, and how loud, from the output stage's
upstream frames (BotStarted/StoppedSpeakingFrame, EchoReferenceFrame).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from voicebot.audio import StreamResampler, float_to_pcm16, pcm16_to_float, rms
from voicebot.engines.vad import VAD_RATE, VadEngine
from voicebot.frames import (
    AudioFrame,
    BargeInFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    EchoReferenceFrame,
    Frame,
    TurnCancelledFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    UtteranceFrame,
)
from voicebot.stages.base import Stage

FRAME_S = 0.02
FRAME_16K = int(VAD_RATE * FRAME_S)


@dataclass(frozen=True)
class VadConfig:
    start_frames: int = 3  # consecutive speech frames to open a turn (60 ms)
    end_silence_ms: int = 300
    resume_window_ms: int = 700
    barge_in_min_speech_ms: int = 100
    preroll_ms: int = 200
    tail_ms: int = 200
    max_utterance_s: float = 28.0
    # line echo of the bot comes back at least ~14 dB down (hybrids give 15+ dB of
    # return loss); a caller talking over the greeting is louder than that
    echo_gain: float = 0.2
    # the line keeps echoing the bot's last words a little after they were played
    echo_tail_ms: int = 300


class VadStage(Stage):
    name = "vad"

    def __init__(self, vad: VadEngine, config: VadConfig | None = None) -> None:
        super().__init__()
        self.vad = vad
        self.config = config or VadConfig()
        self.bot_speaking = False
        self._echo_level = 0.0  # loudest bot frame played lately: the echo reference
        self._echo_until = 0.0  # perf_counter() until which that reference holds
        self._pending = np.zeros(0, dtype=np.float32)  # 16 kHz samples not yet framed
        self._resampler: StreamResampler | None = None  # the call's rate to VAD_RATE
        self._t = 0.0  # audio time of the next 16 kHz frame
        self._preroll: deque[bytes] = deque(maxlen=max(1, self.config.preroll_ms // 20))
        self._onset = 0
        self._in_speech = False
        self._buffer: list[bytes] = []
        self._start_t = 0.0
        self._last_speech_end = 0.0
        self._silence = 0
        self._speech_frames = 0
        self._barged = False
        self.turn = 0
        self._revision = 0
        self._prev: tuple[bytes, float, float] | None = None  # pcm, start_t, speech_end_t
        self.utterances = 0

    async def process(self, frame: Frame) -> None:
        if not isinstance(frame, AudioFrame):
            self.push(frame)
            return
        samples = pcm16_to_float(frame.pcm)
        if frame.sample_rate != VAD_RATE:
            # one resampler for the stream: frames resampled one by one would leave a
            # step at every edge (about 7 points of French right cards by voice on a
            # development commune, tests/bench/bench_voice_dev.py)
            if self._resampler is None or self._resampler.src_rate != frame.sample_rate:
                self._resampler = StreamResampler(frame.sample_rate, VAD_RATE)
            samples = self._resampler(samples)
        self._pending = np.concatenate([self._pending, samples])
        while self._pending.size >= FRAME_16K:
            chunk = self._pending[:FRAME_16K]
            self._pending = self._pending[FRAME_16K:]
            self._frame(chunk)
            self._t += FRAME_S

    async def process_upstream(self, frame: Frame) -> None:
        if isinstance(frame, BotStartedSpeakingFrame):
            self.bot_speaking = True
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self.bot_speaking = False
        elif isinstance(frame, EchoReferenceFrame):
            self._note_echo(frame.level, frame.wall)
        self.push_upstream(frame)

    def _note_echo(self, level: float, wall: float) -> None:
        if wall > self._echo_until:
            self._echo_level = level
        else:
            self._echo_level = max(self._echo_level, level)
        self._echo_until = wall + self.config.echo_tail_ms / 1000

    def _echo_reference(self) -> float:
        return self._echo_level if time.perf_counter() <= self._echo_until else 0.0

    def _is_speech(self, chunk: np.ndarray, pcm: bytes) -> bool:
        if not self.vad.is_speech(pcm):
            return False
        echo = self._echo_reference()
        return not (echo > 0 and rms(chunk) < self.config.echo_gain * echo)

    def _frame(self, chunk: np.ndarray) -> None:
        pcm = float_to_pcm16(chunk)
        speech = self._is_speech(chunk, pcm)
        cfg = self.config
        t = self._t
        if not self._in_speech:
            self._preroll.append(pcm)
            self._onset = self._onset + 1 if speech else 0
            if self._onset >= cfg.start_frames:
                self._open(t)
            return
        self._buffer.append(pcm)
        if speech:
            self._silence = 0
            self._speech_frames += 1
            self._last_speech_end = t + FRAME_S
            if (
                self.bot_speaking
                and not self._barged
                and self._speech_frames * 20 >= cfg.barge_in_min_speech_ms
            ):
                self._barged = True
                self.push(BargeInFrame(t + FRAME_S))
        else:
            self._silence += 1
        duration = len(self._buffer) * FRAME_S
        if self._silence * 20 >= cfg.end_silence_ms or duration >= cfg.max_utterance_s:
            self._close(t + FRAME_S)

    def _open(self, t: float) -> None:
        cfg = self.config
        self._in_speech = True
        self._start_t = t + FRAME_S - cfg.start_frames * FRAME_S
        self._buffer = list(self._preroll)
        self._preroll.clear()
        self._silence = 0
        self._speech_frames = cfg.start_frames
        self._last_speech_end = t + FRAME_S
        self._barged = False
        self.push(UserStartedSpeakingFrame(self._start_t))
        prev = self._prev
        if prev is not None and self._start_t - prev[2] <= cfg.resume_window_ms / 1000:
            # The caller goes on after a short pause: same turn, new revision.
            self.push(TurnCancelledFrame(self.turn))
            gap_frames = max(0, round((self._start_t - prev[2]) / FRAME_S) - len(self._buffer))
            silence = bytes(2 * FRAME_16K) * gap_frames
            head = prev[0][: int((prev[2] - prev[1]) * VAD_RATE) * 2]
            self._buffer = [head, silence, *self._buffer]
            self._start_t = prev[1]
            self._revision += 1
        else:
            self.turn += 1
            self._revision = 0
        if self.bot_speaking and self._speech_frames * 20 >= cfg.barge_in_min_speech_ms:
            self._barged = True
            self.push(BargeInFrame(t + FRAME_S))

    def _close(self, endpoint_t: float) -> None:
        cfg = self.config
        self._in_speech = False
        self._onset = 0
        pcm = b"".join(self._buffer)
        keep_s = min(self._last_speech_end + cfg.tail_ms / 1000, endpoint_t) - self._start_t
        pcm = pcm[: max(0, int(keep_s * VAD_RATE)) * 2]
        self._buffer = []
        self._prev = (pcm, self._start_t, self._last_speech_end)
        self.utterances += 1
        self.push(UserStoppedSpeakingFrame(self._last_speech_end))
        self.push(
            UtteranceFrame(
                pcm16k=pcm,
                turn=self.turn,
                speech_start_t=self._start_t,
                speech_end_t=self._last_speech_end,
                endpoint_t=endpoint_t,
                endpoint_wall=time.perf_counter(),
                revision=self._revision,
            )
        )

    @property
    def in_speech(self) -> bool:
        return self._in_speech
