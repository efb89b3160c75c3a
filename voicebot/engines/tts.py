"""Speech synthesis engines: one sentence → float32 samples at the engine's rate.

Blocking calls: run them in an executor. Streaming is sentence by sentence
(the TTS stage splits the reply and ships each sentence as soon as it is ready).
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from voicebot.audio import Float32Array, resample
from voicebot.errors import EngineUnavailable
from voicebot.frames import Lang

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TtsCapabilities:
    name: str
    languages: tuple[str, ...]
    sample_rate: int
    voice: str = ""
    # languages spoken by a stand-in voice, the configured one not working (each call
    # reports it as an engine incident)
    degraded: tuple[str, ...] = ()


class TtsEngine(Protocol):
    capabilities: TtsCapabilities

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        """Blocking; one sentence → mono float32 at ``capabilities.sample_rate``."""
        ...


def _wav_bytes_to_float(data: bytes) -> tuple[Float32Array, int]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        rate = wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    samples = np.frombuffer(raw[: len(raw) - len(raw) % 2], dtype="<i2").astype(np.float32)
    return (samples / 32768.0).astype(np.float32), rate


class EspeakTts:
    """espeak-ng, with an MBROLA voice for French (``mb-fr1``).

    A configured voice that does not work at start (MBROLA or the voice's package
    missing) stops the start-up with the package to install. espeak-ng's own voice,
    which it used to fall back to without a word, is hard to understand on a phone
    line (Whisper cannot make it out either), and a quiet downgrade hides a broken
    installation. ``allow_degraded`` lets espeak-ng's own voice stand in: logged as an
    error here, and listed in ``capabilities.degraded`` for each call to count.
    """

    FALLBACK: ClassVar[dict[str, str]] = {"fr": "fr", "en": "en-us"}

    def __init__(
        self,
        voices: dict[str, str] | None = None,
        speed: int = 155,
        timeout_s: float = 20.0,
        *,
        allow_degraded: bool = False,
    ) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise EngineUnavailable("espeak-ng is not installed (apt-get install espeak-ng)")
        self._binary = binary
        self._speed = speed
        self._timeout = timeout_s
        self.voices: dict[str, str] = {}
        degraded: list[str] = []
        rates: list[int] = []
        for lang, voice in (voices or {"fr": "mb-fr1", "en": "en-us"}).items():
            chosen = voice
            if not self._works(voice):
                chosen = self._stand_in(lang, voice, allow_degraded)
                degraded.append(lang)
            self.voices[lang] = chosen
            rates.append(self._run("a", chosen)[1])
        rate = rates[0] if rates else 22050
        self.capabilities = TtsCapabilities(
            "espeak-ng",
            tuple(self.voices),
            rate,
            ",".join(self.voices.values()),
            degraded=tuple(degraded),
        )

    def _stand_in(self, lang: str, voice: str, allow_degraded: bool) -> str:
        """espeak-ng's own voice for ``lang`` when allowed, else EngineUnavailable."""
        stand_in = self.FALLBACK.get(lang, lang)
        log.error("espeak-ng voice %r does not work: %s", voice, install_hint(voice))
        if not allow_degraded or stand_in == voice:
            raise EngineUnavailable(
                f"espeak-ng voice {voice!r} does not work: {install_hint(voice)}; or set "
                f"espeak_allow_degraded_voice to let espeak-ng's own {stand_in!r} voice, "
                "hard to understand on a phone line, stand in"
            )
        if not self._works(stand_in):
            raise EngineUnavailable(
                f"espeak-ng voice {voice!r} does not work ({install_hint(voice)}), "
                f"nor does its stand-in {stand_in!r}"
            )
        log.error(
            "speaking %s with espeak-ng's own %r voice instead of %r (degraded voice, "
            "counted on each call)",
            lang,
            stand_in,
            voice,
        )
        return stand_in

    def _run(self, text: str, voice: str) -> tuple[Float32Array, int]:
        proc = subprocess.run(
            [self._binary, "-v", voice, "-s", str(self._speed), "--stdout", "--", text],
            capture_output=True,
            timeout=self._timeout,
            check=False,
        )
        if proc.returncode != 0 or len(proc.stdout) < 44:
            raise EngineUnavailable(
                f"espeak-ng voice {voice!r} failed: {proc.stderr.decode(errors='replace')[:200]}"
            )
        return _wav_bytes_to_float(proc.stdout)

    def _works(self, voice: str) -> bool:
        try:
            self._run("a", voice)
        except (EngineUnavailable, subprocess.TimeoutExpired):
            return False
        return True

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        voice = self.voices.get(lang) or self.FALLBACK.get(lang, lang)
        samples, rate = self._run(text, voice)
        if rate != self.capabilities.sample_rate:
            samples = resample(samples, rate, self.capabilities.sample_rate)
        return samples


def install_hint(voice: str) -> str:
    """What to install for an espeak-ng voice that does not work."""
    if voice.startswith("mb-"):
        return f"install MBROLA and the voice: apt-get install mbrola mbrola-{voice[3:]}"
    return "check the voice's name in `espeak-ng --voices`"


class PiperTts:
    """Piper (neural, ONNX). One voice, one language; thread-safe (onnxruntime)."""

    def __init__(self, model_path: Path, lang: Lang, threads: int = 1) -> None:
        if not model_path.is_file():
            raise EngineUnavailable(f"Piper voice {model_path} not found")
        config_path = Path(f"{model_path}.json")
        if not config_path.is_file():
            raise EngineUnavailable(f"Piper voice config {config_path} not found")
        try:
            import onnxruntime  # noqa: PLC0415
            from piper import PiperVoice  # noqa: PLC0415 - optional, heavy
            from piper.config import PiperConfig  # noqa: PLC0415
        except ImportError as exc:
            raise EngineUnavailable("piper-tts is not installed") from exc
        # One thread per synthesis: calls in parallel share the cores instead of fighting.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        self._voice: Any = PiperVoice(session=session, config=config)
        self._lang = lang
        rate = int(self._voice.config.sample_rate)
        self.capabilities = TtsCapabilities("piper", (lang,), rate, model_path.stem)

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        chunks = [chunk.audio_float_array for chunk in self._voice.synthesize(text)]
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32)


class CoquiTts:
    """Optional: coqui-tts needs torch and downloaded models, so it reports clearly."""

    def __init__(self, model_name: str | None, lang: Lang) -> None:
        if not model_name:
            raise EngineUnavailable(
                "coqui-tts: no model configured (set GUICHET_COQUI_MODEL to a model "
                "already downloaded on this machine)"
            )
        try:
            from TTS.api import TTS  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
        except ImportError as exc:
            raise EngineUnavailable(
                "coqui-tts is not installed (optional engine: pip install coqui-tts; "
                "it needs torch and model files from the internet)"
            ) from exc
        try:
            self._tts: Any = TTS(model_name=model_name, progress_bar=False)
        except Exception as exc:
            raise EngineUnavailable(f"coqui-tts model {model_name!r} unavailable: {exc}") from exc
        rate = int(getattr(self._tts.synthesizer, "output_sample_rate", 22050))
        self._lang = lang
        self._lock = threading.Lock()
        self.capabilities = TtsCapabilities("coqui", (lang,), rate, model_name)

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        with self._lock:
            wav = self._tts.tts(text=text)
        return np.asarray(wav, dtype=np.float32)
