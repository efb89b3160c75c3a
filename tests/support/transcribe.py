"""What a caller heard, as text: the recording transcribed with the real Whisper base
model (faster-whisper), the same weights the voicebot uses."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def whisper_dir() -> Path:
    models = os.environ.get("GUICHET_MODELS_DIR") or str(
        Path(os.environ.get("GUICHET_HOME", REPO / ".guichet")) / "models"
    )
    return Path(models) / "whisper-base"


@lru_cache(maxsize=1)
def _model() -> Any:
    from faster_whisper import WhisperModel  # noqa: PLC0415 - heavy

    return WhisperModel(str(whisper_dir()), device="cpu", compute_type="int8", cpu_threads=2)


def transcribe(wav: Path, lang: str, *, skip_silence: bool = False) -> str:
    """``skip_silence``: Whisper hears only the speech (faster-whisper's own VAD). A long
    call recording is mostly silence (the caller keying in a number, waiting); run over
    it, greedy decoding drifts and garbles what follows ("Vous probabilityrez faire" for
    "Votre référence est"), and takes 15 times longer."""
    segments, _ = _model().transcribe(str(wav), language=lang, beam_size=1, vad_filter=skip_silence)
    return " ".join(s.text.strip() for s in segments)


def transcribe_words(wav: Path, lang: str) -> list[tuple[str, float, float]]:
    """Each word heard with its start and end (seconds into the recording)."""
    segments, _ = _model().transcribe(
        str(wav), language=lang, beam_size=1, vad_filter=False, word_timestamps=True
    )
    return [(w.word.strip(), w.start, w.end) for s in segments for w in (s.words or [])]
