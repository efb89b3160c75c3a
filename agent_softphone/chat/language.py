"""The visitor's language from what they type: the page's language holds until the
visitor clearly writes in the other one (or asks for it: the dialog's own words).

Function words only, the same for any city: a sentence of three words or more with
at least two of one language and none of the other. Short messages ("ok", "merci",
a card title) never switch."""

from __future__ import annotations

import re

from agent_softphone.chat.strings import ChatLang

__all__ = ["written_in"]

_FR = frozenset(
    """je j tu il elle nous vous ils les des une est sont pour avec dans sur pas que qui
    quoi comment quand où mon ma mes faire bonjour merci veux voudrais peux puis faut
    quel quelle quels est-ce au aux du le la ce cette ces mais ou donc car ne y""".split()  # noqa: SIM905 - a word list reads better as text
)
_EN = frozenset(
    """i you he she we they the is are am for with not what how when where my your do does
    can could want would need hello please thanks thank of to this that these there
    which who get have has""".split()  # noqa: SIM905 - a word list reads better as text
)
_WORD = re.compile(r"[\w'-]+")


def written_in(text: str) -> ChatLang | None:
    """``fr``/``en`` when the text is clearly in it, else None (keep the current one)."""
    words = [w.strip("'-") for w in _WORD.findall(text.lower())]
    words = [w for part in words for w in part.split("'") if w]
    if len(words) < 3:
        return None
    fr = sum(w in _FR for w in words)
    en = sum(w in _EN for w in words)
    if fr >= 2 and en == 0:
        return "fr"
    if en >= 2 and fr == 0:
        return "en"
    return None
