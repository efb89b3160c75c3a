"""Voice activity detection engines: one 20 ms frame of 16 kHz PCM16 → speech or not."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voicebot.audio import pcm16_to_float, rms
from voicebot.errors import EngineUnavailable

VAD_RATE = 16000
VAD_FRAME_BYTES = VAD_RATE * 20 // 1000 * 2


@dataclass(frozen=True)
class VadCapabilities:
    name: str
    sample_rate: int = VAD_RATE
    frame_ms: int = 20


class VadEngine(Protocol):
    """One instance per call (``vad_factory``): an engine may keep state between frames."""

    capabilities: VadCapabilities

    def is_speech(self, pcm16k: bytes) -> bool:
        """One 20 ms frame (640 bytes) of 16 kHz PCM16."""
        ...


class WebRtcVad:
    """webrtcvad-wheels (≈2 µs a frame)."""

    capabilities = VadCapabilities("webrtc")

    def __init__(self, aggressiveness: int = 2, min_rms: float = 0.003) -> None:
        import webrtcvad  # noqa: PLC0415

        self._vad = webrtcvad.Vad(max(0, min(3, aggressiveness)))
        self._min_rms = min_rms

    def is_speech(self, pcm16k: bytes) -> bool:
        if len(pcm16k) != VAD_FRAME_BYTES:
            return False
        # webrtcvad flags faint hiss on quiet lines; a floor on energy removes that.
        if rms(pcm16_to_float(pcm16k)) < self._min_rms:
            return False
        return bool(self._vad.is_speech(pcm16k, VAD_RATE))


def silero_model_path() -> Path:
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable("silero VAD: faster-whisper (which ships the ONNX model) missing")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "silero_vad_v6.onnx"
    if not path.is_file():
        raise EngineUnavailable(f"silero VAD: {path} missing")
    return path


class SileroVad:
    """Silero v6 ONNX run with onnxruntime alone (no torch); 32 ms windows + 64 context."""

    capabilities = VadCapabilities("silero")
    WINDOW = 512
    CONTEXT = 64

    def __init__(self, threshold: float = 0.5, model_path: Path | None = None) -> None:
        import onnxruntime  # noqa: PLC0415

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            str(model_path or silero_model_path()),
            providers=["CPUExecutionProvider"],
            sess_options=opts,
        )
        self._threshold = threshold
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(self.CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._prob = 0.0

    def is_speech(self, pcm16k: bytes) -> bool:
        self._pending = np.concatenate([self._pending, pcm16_to_float(pcm16k)])
        while self._pending.size >= self.WINDOW:
            window = self._pending[: self.WINDOW]
            self._pending = self._pending[self.WINDOW :]
            batch = np.concatenate([self._context, window])[None, :].astype(np.float32)
            out, self._h, self._c = self._session.run(
                None, {"input": batch, "h": self._h, "c": self._c}
            )
            self._context = window[-self.CONTEXT :]
            self._prob = float(np.asarray(out).reshape(-1)[0])
        return self._prob >= self._threshold
