"""Whisper's inventions on silence are dropped by the recogniser and read as nothing said;
what a caller says is never taken for one."""

import pytest

from voicebot.engines.asr import clean_text
from voicebot.hallucinations import is_hallucination
from voicebot.intents import classify


@pytest.mark.parametrize(
    "text",
    [
        "Sous-titres réalisés par la communauté d'Amara.org",
        "sous titres réalisés para la communauté damara org",
        "Sous-titrage ST' 501",
        "Merci d'avoir regardé cette vidéo !",
        "Thanks for watching, don't forget to like and subscribe",
        "N'hésitez pas à vous abonner",
        "[Musique]",
        "(applause)",
        "♪ ♪",
    ],
)
def test_an_invention_is_dropped_and_read_as_nothing_said(text: str) -> None:
    assert is_hallucination(text)
    assert clean_text(text) == ("", "hallucination")
    assert classify(text, "fr", "greeting") == "empty"


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais m'abonner à la lettre de la mairie",
        "le titre de séjour, c'est où ?",
        "thanks for your help, goodbye",
        "la musique de la fête, c'est quand ?",
        "merci, au revoir",
    ],
)
def test_what_a_caller_says_is_kept(text: str) -> None:
    assert not is_hallucination(text)
    assert clean_text(text) == (text, None)
