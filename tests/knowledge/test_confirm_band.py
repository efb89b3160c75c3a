"""The confirm band on the real demo knowledge base: between ``kb_confirm_from`` and
``kb_operating_point`` the answer is "confirm first" (``Answer.to_confirm``), and the
dialog asks "Vous parlez bien de <title> ?" before saying the card.

The calibration may be refitted (knowledge/calibration.yaml): the tests measure a
question's confidence first and set the band around it, so they hold whatever today's
numbers are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from guichet.errors import ConfigError
from guichet.settings import Settings, load_settings
from knowledge.base import Answer, KnowledgeBase
from voicebot.chat import TextChat
from voicebot.dialog import DialogConfig, Hangup, Lookup, Say

# questions with the card they are about (written for this test, not from an eval set)
QUESTIONS = [
    ("je voudrais refaire mon passeport", "fr", "passeport-demande"),
    ("les encombrants c'est quel jour", "fr", "encombrants"),
    ("la déchetterie est ouverte le dimanche", "fr", "decheterie"),
    ("how do I renew my passport", "en", "passport-application"),
]


def band_around(demo_index: Path, confidence: float) -> KnowledgeBase:
    """The demo knowledge base with a band that holds ``confidence`` (the settings'
    way: validated, then opened)."""
    settings = Settings(
        kb_confirm_from=max(0.0, confidence - 0.05),
        kb_operating_point=min(1.0, confidence + 0.05),
    )
    return KnowledgeBase.open(demo_index, settings)


def measured(demo_kb: KnowledgeBase) -> tuple[str, str, str, float]:
    """A question whose top card is the right one, with its calibrated confidence."""
    for question, lang, card in QUESTIONS:
        answer = demo_kb.answer(question, lang)
        if answer.candidates and answer.candidates[0].card_id == card:
            return question, lang, card, answer.confidence
    raise AssertionError("no question of the list finds its card: retrieval is broken")


def test_a_confidence_in_the_band_is_to_confirm_with_the_card(
    demo_index: Path, demo_kb: KnowledgeBase
) -> None:
    question, lang, card, confidence = measured(demo_kb)
    kb = band_around(demo_index, confidence)
    answer = kb.answer(question, lang)
    assert answer.confidence == pytest.approx(confidence)
    assert answer.to_confirm and not answer.abstained
    assert answer.card_id == card and answer.title == kb.cards[card].title
    assert answer.answer == kb.cards[card].answer and answer.service == kb.cards[card].service
    assert answer.to_json()["to_confirm"] is True


def test_above_the_band_answers_and_below_it_abstains(
    demo_index: Path, demo_kb: KnowledgeBase
) -> None:
    question, lang, card, confidence = measured(demo_kb)
    above = KnowledgeBase.open(
        demo_index,
        # a hair under: the same question's confidence, recomputed through another
        # KnowledgeBase, may differ in the last float bits
        Settings(kb_confirm_from=max(0.0, confidence - 0.1), kb_operating_point=confidence - 1e-6),
    ).answer(question, lang)
    assert not above.to_confirm and not above.abstained and above.card_id == card
    below = KnowledgeBase.open(
        demo_index,
        # halfway between the confidence and 1: above it however sure the answer is
        Settings(kb_confirm_from=(confidence + 1.0) / 2, kb_operating_point=1.0),
    ).answer(question, lang)
    assert below.abstained and not below.to_confirm and below.card_id is None
    assert below.service == demo_kb.cards[card].service  # still a hint for routing


def test_without_a_band_the_knowledge_base_answers_or_abstains(demo_kb: KnowledgeBase) -> None:
    # a KnowledgeBase made by hand (refits, evaluation) keeps the old two-way decision
    bare = KnowledgeBase(demo_kb.retriever, demo_kb.calibrator, demo_kb.operating_point)
    for question, lang, _ in QUESTIONS:
        assert not bare.answer(question, lang).to_confirm


def test_the_dialog_asks_to_confirm_then_answers_on_oui(
    demo_index: Path, demo_kb: KnowledgeBase
) -> None:
    question, lang, card, confidence = measured(demo_kb)
    kb = band_around(demo_index, confidence)
    chat = TextChat(kb, DialogConfig(), "fr" if lang == "fr" else "en")
    chat.start()
    actions = chat.reply(question)
    title = kb.cards[card].title
    asked = f"Vous parlez bien de : {title} ?" if lang == "fr" else f"Do you mean: {title}?"
    assert [(a.kind, a.text) for a in actions if isinstance(a, Say)] == [("confirm", asked)]
    actions = chat.reply("oui" if lang == "fr" else "yes")
    said = [a for a in actions if isinstance(a, Say)]
    assert said[0].kind == "answer" and said[0].text == kb.cards[card].answer
    assert said[0].card_id == card and not chat.ended


def test_the_dialog_asks_to_rephrase_on_non(demo_index: Path, demo_kb: KnowledgeBase) -> None:
    question, lang, _, confidence = measured(demo_kb)
    kb = band_around(demo_index, confidence)
    chat = TextChat(kb, DialogConfig(), "fr" if lang == "fr" else "en")
    chat.start()
    assert [a.kind for a in chat.reply(question) if isinstance(a, Say)] == ["confirm"]
    actions = chat.reply("non" if lang == "fr" else "no")
    assert [a.kind for a in actions if isinstance(a, Say)] == ["prompt"]
    assert not any(isinstance(a, Hangup | Lookup) for a in actions)
    assert chat.dialog.state.phase == "listening"


def test_an_answer_is_a_plain_answer_by_default() -> None:
    assert Answer("q", "fr", True, 0.0, None, None, None, None, None, None, ()).to_confirm is False


# --- the band is validated at start-up ---


def test_the_default_band_is_below_the_operating_point() -> None:
    settings = Settings()
    assert 0.0 <= settings.kb_confirm_from < settings.kb_operating_point


@pytest.mark.parametrize(("confirm_from", "operating_point"), [(0.7, 0.7), (0.8, 0.7), (0.5, 0.0)])
def test_an_empty_band_is_an_error(confirm_from: float, operating_point: float) -> None:
    with pytest.raises(ValidationError, match=r"kb_confirm_from .* must be below kb_operating"):
        Settings(kb_confirm_from=confirm_from, kb_operating_point=operating_point)


def test_a_negative_floor_is_an_error() -> None:
    with pytest.raises(ValidationError, match="kb_confirm_from"):
        Settings(kb_confirm_from=-0.1)


def test_an_empty_band_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    env = {"GUICHET_KB_CONFIRM_FROM": "0.75", "GUICHET_KB_OPERATING_POINT": "0.7"}
    with pytest.raises(ConfigError, match=r"kb_confirm_from .*would be empty"):
        load_settings(env, {"home": str(tmp_path)})


# --- a language may answer from a higher point (kb_operating_point_raise) ---


def test_a_raised_language_confirms_what_the_other_would_answer(demo_index: Path) -> None:
    question, lang, card = "how do I renew my passport", "en", "passport-application"
    plain = Settings(kb_confirm_from=0.0, kb_operating_point_raise={})
    first = KnowledgeBase.open(demo_index, plain).answer(question, lang)
    assert first.candidates[0].card_id == card, first
    confidence = first.confidence
    point = max(0.01, confidence - 0.01)
    raised = KnowledgeBase.open(
        demo_index,
        Settings(
            kb_confirm_from=0.0, kb_operating_point=point, kb_operating_point_raise={lang: 0.02}
        ),
    )
    assert raised.operating_point_for("en") == pytest.approx(min(1.0, point + 0.02))
    assert raised.operating_point_for("fr") == point  # the other language is untouched
    without = KnowledgeBase.open(
        demo_index,
        Settings(kb_confirm_from=0.0, kb_operating_point=point, kb_operating_point_raise={}),
    ).answer(question, lang)
    assert not without.to_confirm and without.card_id == card
    assert raised.answer(question, lang).to_confirm


@pytest.mark.parametrize("raised", [-0.1, 1.5])
def test_a_raise_out_of_range_is_an_error(raised: float) -> None:
    with pytest.raises(ValidationError, match=r"kb_operating_point_raise\.en"):
        Settings(kb_operating_point_raise={"en": raised})


def test_a_raised_point_stays_at_most_one_and_above_the_band() -> None:
    settings = Settings(kb_operating_point=0.95, kb_operating_point_raise={"en": 0.2})
    assert settings.kb_operating_point_by_lang == {"en": 1.0}
    assert settings.kb_confirm_from < settings.kb_operating_point_by_lang["en"]
