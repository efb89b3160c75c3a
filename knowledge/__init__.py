"""Knowledge cards, retrieval and the answer-or-abstain decision.

In-process use (voicebot, web app): open once, answer many, from any thread::

    from knowledge import KnowledgeBase
    kb = KnowledgeBase.open(settings.kb_index_path, settings)
    answer = kb.answer("euh comment je fais pour refaire mon passeport", lang="fr")
    if answer.abstained:
        ...  # hand over to a human; answer.service hints which one
    else:
        say(answer.answer)  # the card's first paragraph

``answer()`` is synchronous CPU work (~10-20 ms); async callers use an executor.
Errors derive from :class:`knowledge.errors.KnowledgeError`.

``index_asr_hints(index_path)`` gives the speech recogniser a prompt per language
made of the ingested cards' own words (place names, topics).
"""

from knowledge.assist import CardHit, CardHits, Lookup, Suggest, cards_for, suggest_cards
from knowledge.base import Answer, KnowledgeBase, Suggestion
from knowledge.cards import Card, load_cards, parse_card
from knowledge.errors import CardError, IndexNotFound, KnowledgeError
from knowledge.index import IngestReport, ingest
from knowledge.vocabulary import asr_hints, index_asr_hints

__all__ = [
    "Answer",
    "Card",
    "CardError",
    "CardHit",
    "CardHits",
    "IndexNotFound",
    "IngestReport",
    "KnowledgeBase",
    "KnowledgeError",
    "Lookup",
    "Suggest",
    "Suggestion",
    "asr_hints",
    "cards_for",
    "index_asr_hints",
    "ingest",
    "load_cards",
    "parse_card",
    "suggest_cards",
]
