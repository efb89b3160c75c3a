"""Fake engines and knowledge for unit tests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from voicebot.engines.asr import FakeAsr
from voicebot.engines.tts import FakeTts, TtsEngine
from voicebot.engines.vad import EnergyVad, VadEngine
from voicebot.frames import Lang
from voicebot.knowledge_port import FakeCard, FakeKnowledge

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
