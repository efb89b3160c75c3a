"""What the caller asks, without the words that wrap a spoken question.

A caller does not ask "horaires piscine": they say "euh bonjour madame, alors voilà, je
voulais savoir si la piscine est ouverte le dimanche". The greeting, the fillers, the
politeness and the framing ("je voulais savoir si", "I was wondering whether") carry no
topic, but the embedding model reads them all: a spoken question then sits nearer to
other spoken questions than to its card. The vector search embeds :func:`spoken_core`
of the question; the lexical side has its own stop words (``knowledge.lexical``).

Measured on the development data the shipped query adapter and calibration were not
learnt from (``tests/knowledge/dev_commune4``, the demo's and ``dev_commune``'s 'test'
splits), with both as shipped: dev_commune4 French answered-correct 71.8 → 72.9 %,
out-of-scope declined 91.4 → 94.3 %, English answered-correct 60.0 → 62.4 %, precision
unchanged or higher; the two 'test' splits unchanged (``knowledge/demo/README.md``).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["spoken_core"]

# each pattern is removed wherever it matches, twice over (a filler may hide a greeting:
# "euh bonjour"); a word boundary ends every alternative ("allo" is not "allocations")
_WRAPPING: Final = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # French: greetings at the start, fillers anywhere, leading discourse markers
        r"^(?:(?:all[oô]|oui|bonjour|bonsoir|re ?bonjour|salut)\b[\s,.!?]*)+"
        r"(?:(?:madame|monsieur|mademoiselle)\b[\s,.!?]*)?",
        r"\b(?:euh+|heu+|hum+|hmm+|bah|ben|hein|du coup|en fait|voil[àa])\b",
        r"^(?:(?:alors|bon|donc|ok|okay|d'accord|oui|voilà)\b[\s,.!?]+)+",
        # politeness
        r"\b(?:s'?il vous pla[iî]t|s'?il te pla[iî]t|svp|merci(?: beaucoup| bien)?)\b",
        # framing: "je voulais savoir si", "vous pouvez me dire", "j'appelle pour"
        r"\b(?:je|j'|moi je)\s*(?:voulais|voudrais|aimerais|souhaiterais|souhaite|veux)\s+"
        r"(?:juste\s+)?(?:savoir|demander|me renseigner|un renseignement)"
        r"(?:\s+(?:si|sur|pour))?\b",
        r"\b(?:est-ce que |est ce que )?(?:vous )?(?:pouvez|pourriez)(?:-| )vous me dire\b|"
        r"\bvous pouvez me dire\b|\bdites-moi\b|\bc'est pour savoir\b|"
        r"\bj'appelle (?:pour savoir|parce que|pour)\b",
        # English: greetings, fillers, leading markers, politeness, framing
        r"^(?:(?:hello|hi|hey|good (?:morning|afternoon|evening)|yes|yeah)\b[\s,.!?]*)+"
        r"(?:there\b[\s,.!?]*)?",
        r"\b(?:um+|uh+|erm+|er|you know|i mean)\b",
        r"^(?:(?:so|well|ok|okay|right)\b[\s,.!?]+)+",
        r"\b(?:please|thanks|thank you)\b",
        r"\bi (?:was wondering|wanted to (?:know|ask)|would like to know|'d like to know|"
        r"need to know)(?:\s+(?:if|whether|about))?\b|"
        r"\bi'?m (?:calling|ringing|phoning) (?:about|to ask|because)\b|"
        r"\b(?:can|could) you tell me\b",
    )
)
_SPACES: Final = re.compile(r"\s+")
_LOOSE_PUNCTUATION: Final = re.compile(r"\s+([,.?!])")


def spoken_core(question: str) -> str:
    """``question`` without its greeting, fillers, politeness and framing; the question
    itself when fewer than two words would be left ("oui bonjour" stays as it is)."""
    core = question
    for _ in range(2):
        for pattern in _WRAPPING:
            core = pattern.sub(" ", core).strip(" ,.!?")
    core = _LOOSE_PUNCTUATION.sub(r"\1", _SPACES.sub(" ", core)).strip(" ,.!?")
    return core if len(core.split()) >= 2 else question
