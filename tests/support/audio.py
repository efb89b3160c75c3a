"""Audio helpers for tests that listen to real calls.

Everything works on float32 mono arrays in [-1, 1]. Comparisons go through 20 ms RMS
envelopes so that they survive G.711/GSM coding, small gain changes and jitter.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

_SILENCE_DB = -120.0


def read_wav(path: Path | str) -> tuple[FloatArray, int]:
    """Read a PCM WAV (8/16/32-bit, any channel count) as float32 mono.

    Tolerates the header of a dump that was never finalised (data size 0 or too large, as
    left by a killed baresip): the data then runs to the end of the file.
    """
    raw = Path(path).read_bytes()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file")
    pos = 12
    fmt: tuple[int, int, int, int] | None = None  # format, channels, rate, bits
    data: bytes | None = None
    while pos + 8 <= len(raw):
        cid = raw[pos : pos + 4]
        (size,) = struct.unpack("<I", raw[pos + 4 : pos + 8])
        body = pos + 8
        if cid == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", raw[body : body + 8])
            (bits,) = struct.unpack("<H", raw[body + 14 : body + 16])
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            end = len(raw) if size == 0 or body + size > len(raw) else body + size
            data = raw[body:end]
            break
        pos = body + size + (size & 1)
    if fmt is None or data is None:
        raise ValueError(f"{path}: no fmt/data chunk")
    tag, channels, rate, bits = fmt
    if tag not in (1, 0xFFFE):
        raise ValueError(f"{path}: not PCM (format tag {tag}); convert it with sox first")
    width = bits // 8
    usable = len(data) - len(data) % (width * channels)
    data = data[:usable]
    samples: npt.NDArray[np.float32]
    if width == 1:
        samples = (np.frombuffer(data, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        samples = np.frombuffer(data, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError(f"{path}: unsupported sample width {bits} bits")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples.astype(np.float32, copy=False), rate


def write_wav(path: Path | str, x: npt.ArrayLike, rate: int = 8000) -> Path:
    """Write float samples in [-1, 1] as a mono s16 WAV."""
    arr = np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0)
    pcm = (arr * 32767.0).round().astype("<i2")
    out = Path(path)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return out


def tone(
    freq: float,
    seconds: float,
    rate: int = 8000,
    *,
    amplitude: float = 0.3,
    path: Path | str | None = None,
) -> FloatArray:
    """A sine tone; also written as an 8 kHz-style mono s16 WAV when ``path`` is given."""
    t = np.arange(round(seconds * rate), dtype=np.float64) / rate
    x = (amplitude * np.sin(2.0 * np.pi * freq * t)).astype(np.float32)
    if path is not None:
        write_wav(path, x, rate)
    return x


def silence(seconds: float, rate: int = 8000) -> FloatArray:
    return np.zeros(round(seconds * rate), dtype=np.float32)


def to_db(value: float) -> float:
    return 20.0 * float(np.log10(value)) if value > 0 else _SILENCE_DB


def rms_envelope(x: npt.ArrayLike, rate: int, frame_ms: float = 20) -> FloatArray:
    """RMS of consecutive non-overlapping frames (the last partial frame is dropped)."""
    arr = np.asarray(x, dtype=np.float32)
    n = max(1, round(rate * frame_ms / 1000))
    frames = len(arr) // n
    if frames == 0:
        return np.zeros(0, dtype=np.float32)
    blocks = arr[: frames * n].astype(np.float64).reshape(frames, n)
    env: FloatArray = np.sqrt(np.mean(blocks * blocks, axis=1)).astype(np.float32)
    return env


def active_seconds(
    x: npt.ArrayLike, rate: int, threshold_db: float = -40.0, frame_ms: float = 20
) -> float:
    """Seconds of 20 ms frames whose RMS is above ``threshold_db`` dBFS (full scale = 1.0)."""
    env = rms_envelope(x, rate, frame_ms)
    threshold = 10.0 ** (threshold_db / 20.0)
    return float(np.count_nonzero(env > threshold)) * frame_ms / 1000.0


def best_correlation(
    recording: npt.ArrayLike,
    reference: npt.ArrayLike,
    rate: int,
    *,
    frame_ms: float = 20,
    window_s: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """Where ``reference`` best appears inside ``recording``.

    Normalised cross-correlation (Pearson, per lag) of the 20 ms RMS envelopes of the
    two signals. Returns ``(score, offset_s)``: score in 0..1 (negative correlations
    count as 0), offset_s the start of the best match in the recording. A recording
    shorter than the reference is compared over the overlap, with the missing part
    counted as silence. ``window_s=(a, b)`` only considers matches starting in [a, b].

    Measured through Asterisk (GSM prompt -> μ-law -> baresip): the prompt itself scores
    ≈ 1.00; a 19 s prompt against other speech ≈ 0.0; but a ~1 s reference scores up to
    0.6–0.8 somewhere in unrelated speech. For short references use a high threshold
    (≥ 0.9) and/or a ``window_s``.
    """
    rec = rms_envelope(recording, rate, frame_ms).astype(np.float64)
    ref = rms_envelope(reference, rate, frame_ms).astype(np.float64)
    m = len(ref)
    if m < 2 or len(rec) < 2:
        return 0.0, 0.0
    if len(rec) < m:
        rec = np.concatenate([rec, np.zeros(m - len(rec))])
    ref0 = ref - ref.mean()
    ref_norm = float(np.sqrt(np.sum(ref0 * ref0)))
    if ref_norm == 0.0:
        return 0.0, 0.0
    windows = np.lib.stride_tricks.sliding_window_view(rec, m)  # (lags, m)
    win0 = windows - windows.mean(axis=1, keepdims=True)
    num = win0 @ ref0
    den = np.sqrt(np.sum(win0 * win0, axis=1)) * ref_norm
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(den > 0, num / den, 0.0)
    lo, hi = 0, len(corr) - 1
    if window_s is not None:
        lo = max(lo, round(window_s[0] * 1000 / frame_ms))
        hi = min(hi, round(window_s[1] * 1000 / frame_ms))
        if lo > hi:
            return 0.0, 0.0
    best = lo + int(np.argmax(corr[lo : hi + 1]))
    return max(0.0, float(corr[best])), best * frame_ms / 1000.0


def dominant_frequency(x: npt.ArrayLike, rate: int) -> float:
    """Frequency (Hz) of the strongest FFT bin, DC excluded (Hann window)."""
    arr = np.asarray(x, dtype=np.float64)
    if len(arr) < 2:
        return 0.0
    spectrum = np.abs(np.fft.rfft(arr * np.hanning(len(arr))))
    spectrum[0] = 0.0
    return float(np.argmax(spectrum)) * rate / len(arr)


def band_energy_ratio(x: npt.ArrayLike, rate: int, low_hz: float, high_hz: float) -> float:
    """Share (0..1) of the signal's energy (DC excluded) that lies in [low_hz, high_hz]."""
    arr = np.asarray(x, dtype=np.float64)
    if len(arr) < 2:
        return 0.0
    power = np.abs(np.fft.rfft(arr * np.hanning(len(arr)))) ** 2
    freqs = np.fft.rfftfreq(len(arr), 1.0 / rate)
    power[0] = 0.0
    total = float(power.sum())
    if total == 0.0:
        return 0.0
    return float(power[(freqs >= low_hz) & (freqs <= high_hz)].sum()) / total


def sox_convert(src: Path | str, out_wav: Path | str, rate: int = 8000) -> Path:
    """Any sox-readable file -> mono s16 WAV at ``rate``."""
    sox = shutil.which("sox")
    if sox is None:
        raise RuntimeError("sox is not installed")
    out = Path(out_wav)
    subprocess.run(
        [sox, str(src), "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def gsm_to_wav(gsm_path: Path | str, out_wav: Path | str, rate: int = 8000) -> Path:
    """An Asterisk ``.gsm`` prompt -> 8 kHz mono s16 WAV (via sox)."""
    return sox_convert(gsm_path, out_wav, rate)
