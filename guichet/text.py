"""Text helpers shared by every channel."""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def fold(text: str) -> str:
    """Lowercase and strip accents: speech recognition often loses them, card editors
    and typists never do, so matching compares folded text ("Déchèterie" = "decheterie")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
