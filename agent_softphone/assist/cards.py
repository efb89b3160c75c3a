"""Knowledge cards as the desk's panels receive them (live assist on a call, the
agent's view of a chat)."""

from __future__ import annotations

from typing import Any

from knowledge import CardHits

__all__ = ["hits_json"]


def hits_json(hits: CardHits, *, with_service: bool = True) -> dict[str, Any]:
    """``hits`` JSON-ready; ``with_service``: each card names its service (the
    chat's panel has no use for it)."""
    cards: list[dict[str, Any]] = []
    for c in hits.cards:
        card: dict[str, Any] = {
            "card_id": c.card_id,
            "title": c.title,
            "confidence": c.confidence,
            "why": c.why,
            "answer": c.answer,
        }
        if with_service:
            card["service"] = c.service
        cards.append(card)
    return {"query": hits.query, "reliable": hits.reliable, "cards": cards}
