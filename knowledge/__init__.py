"""Knowledge cards, retrieval and the answer-or-abstain decision."""
