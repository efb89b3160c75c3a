"""Speech recognition engines. Blocking calls: run them in an executor.

:class:`WhisperAsr` follows the measured recipe (shared/design/RECIPES.md): the
utterance plus ≈300 mel frames of margin (instead of Whisper's 30 s padding) is
fed to the CTranslate2 model's own ``generate``; language forced, no timestamps,
temperature 0, ``max_length`` capped from the audio length, and a guard that
cuts repetition loops. CTranslate2 runs ``num_workers`` transcriptions in parallel
(1 thread each by default).

Every transcription also scores French against English (Whisper's language detection:
one decoder step on the encoder output already computed), whatever language it is
forced to: the call's language is judged from those scores (:mod:`voicebot.language`),
not from the language a short word happened to be decoded in.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voicebot.audio import Float32Array, rms
from voicebot.frames import Lang
from voicebot.hallucinations import is_hallucination
from voicebot.language import LanguageScores

ASR_RATE = 16000
MAX_SECONDS = 28.0


@dataclass(frozen=True)
class AsrCapabilities:
    name: str
    languages: tuple[str, ...] = ("fr", "en")
    sample_rate: int = ASR_RATE
    max_seconds: float = MAX_SECONDS
    parallel: int = 1  # transcriptions that may run at once


@dataclass(frozen=True)
class AsrResult:
    text: str
    lang: Lang
    ms: float = 0.0
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    rejected: str | None = None  # why the text was dropped (silence, hallucination)
    # French against English for this audio, when the engine can tell (None: it cannot)
    scores: LanguageScores | None = None


class AsrEngine(Protocol):
    capabilities: AsrCapabilities

    def transcribe(self, audio16k: Float32Array, lang: Lang | None) -> AsrResult:
        """Blocking. ``audio16k``: mono float32 at 16 kHz, at most ``max_seconds``.

        ``lang`` None: decode in the likelier of French and English; otherwise in
        ``lang``. Either way ``AsrResult.scores`` says how French or English the audio
        sounds, when the engine can tell."""
        ...


def cut_repetitions(tokens: Sequence[int], min_len: int = 3) -> list[int]:
    """Cut a token sequence where it starts over or loops on an n-gram.

    1. the first ``min_len`` tokens appear again later: cut there (the sentence restarts);
    2. an n-gram (n = 1..8) repeated 3+ times in a row: keep its first occurrence.
    """
    toks = list(tokens)
    if len(toks) >= 2 * min_len:
        head = toks[:min_len]
        for i in range(min_len, len(toks) - min_len + 1):
            if toks[i : i + min_len] == head:
                toks = toks[:i]
                break
    for n in range(1, 9):
        i = 0
        while i + 3 * n <= len(toks):
            gram = toks[i : i + n]
            if toks[i + n : i + 2 * n] == gram and toks[i + 2 * n : i + 3 * n] == gram:
                return toks[: i + n]
            i += 1
    return toks


_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> tuple[str, str | None]:
    text = _SPACES.sub(" ", text).strip()
    if is_hallucination(text):
        return "", "hallucination"
    if not re.search(r"\w", text):
        return "", "empty"
    return text, None


@dataclass
class WhisperAsr:
    """faster-whisper's CTranslate2 Whisper, shortened encoder input."""

    model_dir: Path
    workers: int = 2
    threads: int = 1
    beam_size: int = 2
    margin_frames: int = 300
    hints: dict[str, str] = field(default_factory=dict)  # lang → domain words (a prompt)
    capabilities: AsrCapabilities = field(init=False)
    _model: Any = field(init=False, repr=False)
    _tokenizers: dict[str, Any] = field(init=False, default_factory=dict, repr=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        from faster_whisper import WhisperModel  # noqa: PLC0415 - heavy, lazy

        self._model = WhisperModel(
            str(self.model_dir),
            device="cpu",
            compute_type="int8",
            cpu_threads=self.threads,
            num_workers=self.workers,
        )
        self.capabilities = AsrCapabilities("whisper-base", parallel=self.workers)

    def _tokenizer(self, lang: str) -> Any:
        with self._lock:
            tok = self._tokenizers.get(lang)
            if tok is None:
                from faster_whisper.tokenizer import Tokenizer  # noqa: PLC0415

                tok = Tokenizer(
                    self._model.hf_tokenizer,
                    self._model.model.is_multilingual,
                    task="transcribe",
                    language=lang,
                )
                self._tokenizers[lang] = tok
            return tok

    def _prompt(self, tokenizer: Any, lang: str) -> list[int]:
        prompt: list[int] = []
        hint = self.hints.get(lang)
        if hint:
            prompt = [tokenizer.sot_prev, *tokenizer.encode(" " + hint.strip())[:100]]
        return [*prompt, *tokenizer.sot_sequence, tokenizer.no_timestamps]

    def _detect(self, encoded: Any) -> LanguageScores:
        """French against English, from the encoder output already computed (one
        decoder step)."""
        scores = dict(self._model.model.detect_language(encoded)[0])
        return LanguageScores(fr=scores.get("<|fr|>", 0.0), en=scores.get("<|en|>", 0.0))

    def transcribe(self, audio16k: Float32Array, lang: Lang | None) -> AsrResult:
        started = time.perf_counter()
        audio = np.asarray(audio16k, dtype=np.float32)[: int(MAX_SECONDS * ASR_RATE)]
        if audio.size < ASR_RATE // 10 or rms(audio) < 1e-3:
            return AsrResult("", lang or "fr", 0.0, 1.0, 0.0, "silence")
        model = self._model
        hop = model.feature_extractor.hop_length
        features = model.feature_extractor(audio, padding=self.margin_frames * hop)
        n_frames = min(features.shape[-1], 3000)
        n_frames -= n_frames % 2
        features = np.ascontiguousarray(features[:, :n_frames])
        encoded = model.encode(features)
        scores = self._detect(encoded)
        if lang is None:
            lang = scores.likely
        tokenizer = self._tokenizer(lang)
        prompt = self._prompt(tokenizer, lang)
        seconds = audio.size / ASR_RATE
        max_new = min(int(12 + 9 * seconds), 440 - len(prompt))
        result = model.model.generate(
            encoded,
            [prompt],
            beam_size=self.beam_size,
            max_length=len(prompt) + max_new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
            repetition_penalty=1.0,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        avg_logprob = float(result.scores[0]) if result.scores else 0.0
        no_speech = float(result.no_speech_prob)
        tokens = cut_repetitions(tokens)
        text, rejected = clean_text(tokenizer.decode(tokens))
        if not rejected and no_speech > 0.6 and avg_logprob < -1.0:
            text, rejected = "", "no-speech"
        ms = (time.perf_counter() - started) * 1000
        return AsrResult(text, lang, ms, no_speech, avg_logprob, rejected, scores)
