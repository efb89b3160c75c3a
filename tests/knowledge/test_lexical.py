"""The analyzer is what makes transcribed speech match written cards."""

from __future__ import annotations

from guichet.text import fold
from knowledge.lexical import BM25, analyze, analyze_query, words


def test_accents_case_and_fillers_fold_away() -> None:
    assert fold("Déchèterie ÉTÉ") == "decheterie ete"
    assert analyze("euh alors voilà la déchèterie", "fr") == analyze("DECHETERIE", "fr")


def test_number_words_become_digits() -> None:
    assert "16" in words("ma fille va avoir seize ans")
    assert "18" in words("à dix-huit ans")


def test_split_words_are_glued_when_the_kb_knows_them() -> None:
    vocabulary = set(analyze("passeport", "fr"))
    terms = analyze_query("refaire mon passe port", "fr", vocabulary)
    assert analyze("passeport", "fr")[0] in terms


def test_coverage_counts_unknown_words_against_the_match() -> None:
    docs = [analyze("permis de construire une maison", "fr"), analyze("encombrants", "fr")]
    index = BM25(docs)
    inside = index.search(analyze_query("permis de construire", "fr", index.vocabulary))
    near_miss = index.search(analyze_query("permis de chasser", "fr", index.vocabulary))
    assert inside[0].index == 0
    assert near_miss[0].index == 0
    assert inside[0].coverage == 1.0
    assert near_miss[0].coverage < 0.5
