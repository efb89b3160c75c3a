"""The decision on the demo KB: right card, abstention on near-misses, the floors measured."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from knowledge.base import KnowledgeBase
from knowledge.errors import KnowledgeError
from knowledge.evaluate import evaluate, read_questions

from .conftest import DEMO_EVAL


@pytest.mark.parametrize(
    ("question", "lang", "card"),
    [
        ("euh bonjour je voudrais refaire mon passeport il est périmé", "fr", "passeport-demande"),
        ("c'est combien le timbre fiscal pour le passeport", "fr", "passeport-demande"),
        ("je dois me débarrasser d'un vieux canapé", "fr", "encombrants"),
        ("la déchetterie ouvre à quelle heure", "fr", "decheterie"),
        ("how do I renew my passport", "en", "passport-application"),
    ],
)
def test_answers_with_the_right_card(
    demo_kb: KnowledgeBase, question: str, lang: str, card: str
) -> None:
    answer = demo_kb.answer(question, lang)
    assert not answer.abstained, answer
    assert answer.card_id == card
    assert answer.answer == demo_kb.cards[card].answer
    assert answer.service == demo_kb.cards[card].service
    assert answer.candidates[0].card_id == card
    assert 0.0 <= answer.confidence <= 1.0


def test_english_question_on_a_french_only_topic_finds_the_french_card(
    demo_kb: KnowledgeBase,
) -> None:
    for question, card in [
        ("I lost my keys somewhere in town", "objets-trouves"),
        ("I need a building permit for a new house", "permis-construire"),
    ]:
        answer = demo_kb.answer(question, "en")
        assert answer.candidates[0].card_id == card
        assert not answer.abstained
        assert answer.card_lang == "fr"


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("je voudrais faire la carte grise de ma voiture", "fr"),
        ("comment obtenir un permis de chasse", "fr"),
        ("j'ai une question sur ma déclaration d'impôt sur le revenu", "fr"),
        ("how do I get a hunting licence", "en"),
        ("quel temps fera-t-il demain", "fr"),
    ],
)
def test_near_misses_are_never_stated_as_an_answer(
    demo_kb: KnowledgeBase, question: str, lang: str
) -> None:
    # Abstains, or at most asks first ("Vous parlez bien de ... ?"): measured with the
    # query adapter (2026-11-30), "je voudrais faire la carte grise de ma voiture"
    # sits at p = 0.600 on the lost-papers card, the floor of the confirm band; the
    # caller's "non" then hands over. Before it, it was under the band.
    answer = demo_kb.answer(question, lang)
    assert answer.confidence < demo_kb.operating_point, answer
    assert answer.abstained or answer.to_confirm, answer
    if answer.abstained:
        assert answer.card_id is None and answer.answer is None


def test_empty_question_abstains(demo_kb: KnowledgeBase) -> None:
    assert demo_kb.answer("   ", "fr").abstained


def test_unknown_language_is_an_error(demo_kb: KnowledgeBase) -> None:
    with pytest.raises(KnowledgeError):
        demo_kb.answer("hola", "es")


def test_answers_are_the_same_from_many_threads(demo_kb: KnowledgeBase) -> None:
    questions = [
        "mon passeport est périmé",
        "horaires de la piscine",
        "carte grise",
        "inscription à la cantine",
    ] * 4
    alone = [demo_kb.answer(q, "fr") for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda q: demo_kb.answer(q, "fr"), questions))
    assert [(a.card_id, round(a.confidence, 6)) for a in alone] == [
        (a.card_id, round(a.confidence, 6)) for a in together
    ]


def test_held_out_metrics_stay_above_the_measured_floor(demo_kb: KnowledgeBase) -> None:
    """The shipped calibration was fitted on the 'fit' split (with the dev commune's);
    this is the 'test' split. Floors sit a little under the figures measured when the
    calibration was fitted, with the generic out-of-scope list (issue 11 §3)."""
    items = [i for i in read_questions(DEMO_EVAL, need_expect=True) if i.split == "test"]
    result = evaluate(demo_kb, items)
    overall = result.overall
    assert overall["questions"] >= 80
    # Measured with the query adapter and the calibration refitted around it
    # (2026-11-30; operating point 0.7, confirm band from 0.6): answered-correct 0.827,
    # precision 0.918, out-of-scope abstained 0.95, top-1 0.889. Before the adapter:
    # 0.802, 0.942, 0.95, 0.889 (knowledge/demo/README.md says what was traded).
    assert overall["answered_correct"] >= 0.80
    assert overall["precision"] >= 0.90
    assert overall["oos_abstain"] >= 0.90
    assert overall["top1"] >= 0.86
