"""The speech recogniser's prompt comes from the ingested cards, not from a demo list."""

from __future__ import annotations

import random
from pathlib import Path

from guichet.settings import Settings
from knowledge.cards import load_cards
from knowledge.vocabulary import MAX_CHARS, asr_hints, index_asr_hints
from voicebot.runtime import ASR_HINTS
from voicebot.runtime import asr_hints as runtime_hints

from .conftest import DEMO_CARDS, DEV_CARDS

DEMO_ONLY = ("Saint-Aubin", "médiathèque", "encombrants", "Varennes")


def test_another_kb_gets_its_own_words_and_none_of_the_demo() -> None:
    hints = asr_hints(load_cards(DEV_CARDS).cards)
    fr, en = hints["fr"], hints["en"]
    for word in ("Vermont-les-Prés", "Pré-Long", "jardins familiaux", "camping", "buvette"):
        assert word in fr, (word, fr)
    assert "Vermont-les-Prés" in en and "passport" in en and "recycling" in en
    for text in (fr, en):
        assert len(text) <= MAX_CHARS
        for word in DEMO_ONLY:
            assert word not in text, (word, text)
    assert "Friday" not in fr  # an English card's weekday is no French hint


def test_the_demo_gets_its_own_place_name_first() -> None:
    fr = asr_hints(load_cards(DEMO_CARDS).cards)["fr"]
    names = fr.split(". ", 1)[1]
    assert names.startswith("Saint-Aubin-sur-Loire")
    assert "passeport" in fr and "Vermont" not in fr


def test_same_cards_same_prompt_in_any_order() -> None:
    cards = load_cards(DEV_CARDS).cards
    shuffled = list(cards)
    random.Random(7).shuffle(shuffled)
    assert asr_hints(shuffled) == asr_hints(cards)


def test_the_asr_engine_is_built_with_the_index_words(dev_index: Path, tmp_path: Path) -> None:
    with_index = runtime_hints(Settings(home=tmp_path, kb_index=dev_index))
    assert with_index == index_asr_hints(dev_index)
    assert "Vermont-les-Prés" in with_index["fr"]
    without = runtime_hints(Settings(home=tmp_path, kb_index=tmp_path / "no-index"))
    assert without == ASR_HINTS
