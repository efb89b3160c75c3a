"""PCM helpers: conversion, resampling, WAV I/O, telephone band simulation."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicebot.errors import AudioInputError

Float32Array = npt.NDArray[np.float32]

FRAME_MS = 20
SUPPORTED_CALL_RATES = (8000, 16000)
MIN_RATE = 8000
MAX_RATE = 48000


def pcm16_to_float(pcm: bytes) -> Float32Array:
    if len(pcm) % 2:
        pcm = pcm[:-1]
    return (np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


def float_to_pcm16(samples: npt.NDArray[np.floating]) -> bytes:
    clipped = np.clip(samples, -1.0, 1.0)
    return bytes((clipped * 32767.0).astype("<i2").tobytes())


@lru_cache(maxsize=16)
def _lowpass_kernel(cutoff: float, taps: int = 63) -> Float32Array:
    """Windowed-sinc low-pass; ``cutoff`` as a fraction of the sample rate (0..0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    out: Float32Array = (kernel / kernel.sum()).astype(np.float32)
    return out


def resample(samples: Float32Array, src_rate: int, dst_rate: int) -> Float32Array:
    """Band-limited linear-interpolation resampler (good enough for speech)."""
    if src_rate == dst_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    if dst_rate < src_rate:  # anti-alias before decimating
        samples = np.convolve(samples, _lowpass_kernel(0.45 * dst_rate / src_rate), mode="same")
    n_out = round(samples.size * dst_rate / src_rate)
    positions = np.arange(n_out) * (src_rate / dst_rate)
    out: Float32Array = np.interp(positions, np.arange(samples.size), samples).astype(np.float32)
    return out


class StreamResampler:
    """:func:`resample` for a stream cut into frames (20 ms of a call).

    Each frame resampled on its own ends on a held sample, not on the way to the next
    frame's first one: a step at every frame edge, a 50 Hz buzz under the speech that
    Whisper mishears and a listener hears. Upsampling here continues across frames
    (the last sample of one frame carried into the next): the output is the whole stream
    resampled at once, less than one source sample late.
    Downsampling, rarer (a browser's 48 kHz), is still done frame by frame after its
    anti-alias filter."""

    def __init__(self, src_rate: int, dst_rate: int) -> None:
        self.src_rate, self.dst_rate = src_rate, dst_rate
        self._step = src_rate / dst_rate  # source samples per output sample
        self._carry = np.zeros(1, dtype=np.float32)  # the last source sample seen
        # the next output's position, counted from the carry (silence before the first
        # frame): the stream comes out less than one source sample late
        self._next = self._step

    def __call__(self, samples: Float32Array) -> Float32Array:
        if self.dst_rate <= self.src_rate or samples.size == 0:
            return resample(samples, self.src_rate, self.dst_rate)
        joined = np.concatenate([self._carry, samples.astype(np.float32, copy=False)])
        last = joined.size - 1
        positions = np.arange(self._next, last + 1e-9, self._step)
        upcoming = positions[-1] + self._step if positions.size else self._next
        self._next = upcoming - last  # the last sample becomes the next frame's carry
        self._carry = joined[-1:]
        out: Float32Array = np.interp(positions, np.arange(joined.size), joined).astype(np.float32)
        return out


def read_wav(path: Path) -> tuple[Float32Array, int]:
    """Mono float32 samples and the rate; clear errors for unusable files."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            n_frames = wav.getnframes()
            raw = wav.readframes(n_frames)
    except FileNotFoundError as exc:
        raise AudioInputError(f"{path}: no such file") from exc
    except (wave.Error, EOFError, OSError) as exc:
        raise AudioInputError(f"{path}: not a readable PCM WAV file ({exc})") from exc
    if width != 2:
        raise AudioInputError(f"{path}: {8 * width}-bit samples; 16-bit PCM expected")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioInputError(f"{path}: sample rate {rate} Hz; 8000-48000 Hz expected")
    usable = len(raw) - len(raw) % (2 * channels)  # a truncated file loses its last partial frame
    data = np.frombuffer(raw[:usable], dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data.astype(np.float32), rate


def write_wav(path: Path, samples: Float32Array, rate: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(float_to_pcm16(samples))


def iter_frames(samples: Float32Array, rate: int, ms: int = FRAME_MS) -> Iterator[bytes]:
    """20 ms PCM16 frames; the last one is zero-padded."""
    step = rate * ms // 1000
    for start in range(0, samples.size, step):
        chunk = samples[start : start + step]
        if chunk.size < step:
            chunk = np.pad(chunk, (0, step - chunk.size))
        yield float_to_pcm16(chunk)


def mulaw_roundtrip(samples: Float32Array) -> Float32Array:
    """G.711 μ-law encode + decode (continuous formula, 8-bit quantised)."""
    mu = 255.0
    x = np.clip(samples, -1.0, 1.0)
    encoded = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    quantised = np.round(encoded * 127.0) / 127.0
    decoded = np.sign(quantised) * ((1.0 + mu) ** np.abs(quantised) - 1.0) / mu
    out: Float32Array = decoded.astype(np.float32)
    return out


def telephone(samples: Float32Array, rate: int) -> Float32Array:
    """Band-limit to 300-3400 Hz at 8 kHz and pass through G.711: a phone line."""
    x = resample(samples, rate, 8000)
    x = np.convolve(x, _lowpass_kernel(3400 / 8000, 101), mode="same")
    highpassed = x - np.convolve(x, _lowpass_kernel(300 / 8000, 101), mode="same")
    return mulaw_roundtrip(highpassed.astype(np.float32))


def rms(samples: Float32Array) -> float:
    return float(np.sqrt(np.mean(np.square(samples)))) if samples.size else 0.0
