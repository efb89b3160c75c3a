"""The spoken core of a question: what the vector search embeds."""

from __future__ import annotations

import pytest

from knowledge.spoken import spoken_core


@pytest.mark.parametrize(
    ("said", "core"),
    [
        (
            "euh bonjour madame alors voilà je voulais savoir si la piscine est ouverte "
            "le dimanche ?",
            "la piscine est ouverte le dimanche",
        ),
        ("Bah du coup, ma carte grise, c'est où ?", "ma carte grise, c'est où"),
        (
            "allô oui bonsoir, c'est pour savoir les horaires de la déchetterie",
            "les horaires de la déchetterie",
        ),
        (
            "vous pouvez me dire combien coûte la cantine s'il vous plaît",
            "combien coûte la cantine",
        ),
        ("j'appelle pour un acte de naissance, merci", "un acte de naissance"),
        # the topic's own words stay, even those that start like a greeting or a filler
        ("allocations familiales à la CAF", "allocations familiales à la CAF"),
        ("la salle des fêtes bonjour", "la salle des fêtes bonjour"),
        ("benne à gravats devant chez moi", "benne à gravats devant chez moi"),
    ],
)
def test_a_french_question_loses_its_wrapping_and_keeps_its_topic(said: str, core: str) -> None:
    assert spoken_core(said) == core


@pytest.mark.parametrize("said", ["oui bonjour", "euh bonjour madame", "merci", "euh passeport"])
def test_what_would_leave_fewer_than_two_words_stays_as_said(said: str) -> None:
    assert spoken_core(said) == said


@pytest.mark.parametrize(
    ("said", "core"),
    [
        (
            "hello um I was wondering whether I can get a parking permit please",
            "I can get a parking permit",
        ),
        ("hi there, so, could you tell me when the tip opens", "when the tip opens"),
        ("hello", "hello"),
        ("thank you", "thank you"),
    ],
)
def test_an_english_question_loses_its_wrapping_too(said: str, core: str) -> None:
    assert spoken_core(said) == core
