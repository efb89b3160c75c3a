"""Fake engines and knowledge for unit tests (deterministic, instant, thread-safe)."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from guichet.text import fold
from voicebot.audio import Float32Array, pcm16_to_float, rms
from voicebot.engines.asr import AsrCapabilities, AsrResult
from voicebot.engines.tts import TtsCapabilities, TtsEngine
from voicebot.engines.vad import VadCapabilities, VadEngine
from voicebot.frames import Lang
from voicebot.knowledge_port import SimpleAnswer
from voicebot.language import LanguageScores


class FakeAsr:
    """Returns scripted transcripts in order (then empty strings); ``detects`` is the
    language it "hears" when asked to detect one. A scripted ``(text, scores)`` also
    says how French or English that utterance sounds (a plain text: the fake cannot
    tell). ``calls``: (samples, language asked, None when asked to detect)."""

    capabilities = AsrCapabilities("fake", parallel=4)

    def __init__(
        self, script: Sequence[str | tuple[str, LanguageScores]] = (), detects: Lang = "fr"
    ) -> None:
        self._script = list(script)
        self.detects: Lang = detects
        self.calls: list[tuple[int, Lang | None]] = []
        self._lock = threading.Lock()

    def transcribe(self, audio16k: Float32Array, lang: Lang | None) -> AsrResult:
        with self._lock:
            self.calls.append((int(audio16k.size), lang))
            item = self._script.pop(0) if self._script else ""
        text, scores = (item, None) if isinstance(item, str) else item
        heard = lang or self.detects
        return AsrResult(text, heard, 1.0, 0.0, 0.0, None if text else "empty", scores)


class FakeTts:
    """Deterministic: a 440 Hz tone, 60 ms per word, at 16 kHz; records what it said."""

    def __init__(self, rate: int = 16000, languages: Sequence[str] = ("fr", "en")) -> None:
        self.capabilities = TtsCapabilities("fake", tuple(languages), rate)
        self.spoken: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def synthesize(self, text: str, lang: Lang) -> Float32Array:
        with self._lock:
            self.spoken.append((text, lang))
        n = int(self.capabilities.sample_rate * 0.06 * max(1, len(text.split())))
        t = np.arange(n) / self.capabilities.sample_rate
        return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


class EnergyVad:
    """RMS threshold: speech is whatever is loud enough (deterministic)."""

    capabilities = VadCapabilities("energy")

    def __init__(self, threshold: float = 0.02) -> None:
        self._threshold = threshold

    def is_speech(self, pcm16k: bytes) -> bool:
        return rms(pcm16_to_float(pcm16k)) >= self._threshold


@dataclass(frozen=True)
class FakeCard:
    card_id: str
    title: str
    answer: str
    keywords: tuple[str, ...]
    service: str = "accueil"
    confidence: float = 0.9


class FakeKnowledge:
    """Keyword matching over a few cards: for unit tests of the dialog and pipeline."""

    def __init__(self, cards: Sequence[FakeCard]) -> None:
        self.cards = list(cards)
        self.questions: list[tuple[str, str]] = []

    def answer(self, question: str, lang: str) -> SimpleAnswer:
        self.questions.append((question, lang))
        words = set(re.findall(r"\w+", fold(question)))
        best: tuple[int, FakeCard] | None = None
        for card in self.cards:
            hits = sum(1 for k in card.keywords if fold(k) in words)
            if hits and (best is None or hits > best[0]):
                best = (hits, card)
        if best is None:
            return SimpleAnswer(abstained=True)
        card = best[1]
        return SimpleAnswer(
            False, card.card_id, card.confidence, card.answer, card.title, card.service, lang
        )


CARDS = [
    FakeCard(
        "horaires-mairie",
        "les horaires de la mairie",
        "La mairie est ouverte du lundi au vendredi de 8h30 à 17h30.",
        ("horaires", "ouverte", "ouverture", "hours", "open"),
    ),
    FakeCard(
        "passeport-demande",
        "la demande de passeport",
        "Le passeport se demande sur rendez-vous. Il coûte 86 €.",
        ("passeport", "passport"),
        service="etat-civil",
        confidence=0.55,
    ),
]


def fake_knowledge() -> FakeKnowledge:
    return FakeKnowledge(CARDS)


@dataclass
class FakeEngines:
    asr: FakeAsr
    tts: dict[Lang, TtsEngine] = field(default_factory=lambda: {"fr": FakeTts(), "en": FakeTts()})
    asr_pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2))
    tts_pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2))
    kb_pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2))

    def vad_factory(self) -> VadEngine:
        return EnergyVad(0.02)

    def close(self) -> None:
        for pool in (self.asr_pool, self.tts_pool, self.kb_pool):
            pool.shutdown(wait=False)
