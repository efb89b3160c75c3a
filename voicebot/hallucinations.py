"""What Whisper writes on silence, music and noise: subtitle credits and video sign-offs
learnt from its training data, and sound labels in brackets. Said by nobody: the
recogniser drops such a transcript (``voicebot.engines.asr``), and the intent reader
takes one that reaches it as nothing said."""

from __future__ import annotations

import re
from typing import Final

from guichet.text import fold

__all__ = ["HALLUCINATIONS", "is_hallucination"]

# folded; a transcript containing one of them is an invention, not the caller
HALLUCINATIONS: Final = (
    "sous-titres realises par",
    "sous titres realises",
    "sous-titrage",
    "sous titrage",
    "sous-titres par",
    "amara.org",
    "amara org",
    "merci d'avoir regarde",
    "merci davoir regarde",
    "thanks for watching",
    "thank you for watching",
    "abonnez-vous",
    "abonnez vous",
    "n'hesitez pas a vous abonner",
    "nhesitez pas a vous abonner",
    "like and subscribe",
    "subtitles by",
    "♪",
)
# the whole transcript a sound label: "[musique]", "(applause)", "*rires*"
_LABEL_ONLY: Final = re.compile(r"^\s*(?:[\[(*][^\])*]*[\])*]\s*)+$")


def is_hallucination(text: str) -> bool:
    folded = fold(text)
    return bool(_LABEL_ONLY.match(folded)) or any(m in folded for m in HALLUCINATIONS)
