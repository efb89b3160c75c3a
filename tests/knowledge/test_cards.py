"""The card format: what is accepted, and that every rejection names file and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.cards import load_cards, parse_card
from knowledge.errors import CardError

from .conftest import DEMO_CARDS, DEMO_EVAL

GOOD = """---
id: acte-naissance
title: Demander un acte de naissance
lang: fr
service: etat-civil
questions:
  - Comment obtenir un acte de naissance ?
tags: [naissance]
---
L'acte de naissance est gratuit.
Il se demande à la mairie du lieu de naissance.

- Détails pour les agents.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_card_parses(tmp_path: Path) -> None:
    card = parse_card(write(tmp_path, "acte-naissance", GOOD))
    assert card.id == "acte-naissance"
    assert card.lang == "fr"
    assert card.service == "etat-civil"
    # The spoken answer is the first paragraph, joined onto one line.
    assert card.answer == (
        "L'acte de naissance est gratuit. Il se demande à la mairie du lieu de naissance."
    )
    assert card.details == "- Détails pour les agents."
    assert card.questions == ("Comment obtenir un acte de naissance ?",)
    assert card.tags == ("naissance",)
    assert card.content_hash


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("acte-naissance", "no front matter\n", "no YAML front matter"),
        ("acte-naissance", GOOD.replace("---\nL'acte", "L'acte"), "not closed"),
        ("acte-naissance", GOOD.replace("tags: [naissance]", "tags: [naissance"), "invalid YAML"),
        ("autre-nom", GOOD, "differs from the file name"),
        ("acte-naissance", GOOD.replace("lang: fr", "lang: de"), "lang 'de'"),
        ("acte-naissance", GOOD.replace("service: etat-civil\n", ""), "'service'"),
        ("acte-naissance", GOOD.replace("tags:", "keywords:"), "unknown key(s): keywords"),
        ("acte-naissance", GOOD.split("---\nL'acte", maxsplit=1)[0] + "---\n\n", "empty body"),
        (
            "acte-naissance",
            GOOD.replace("L'acte de naissance est gratuit.", "- liste"),
            "plain sentences",
        ),
        (
            "acte-naissance",
            GOOD.replace("  - Comment obtenir un acte de naissance ?", "  - 3"),
            "'questions'",
        ),
        (
            "Acte_Naissance",
            GOOD.replace("id: acte-naissance", "id: Acte_Naissance"),
            "lowercase slug",
        ),
    ],
)
def test_malformed_card_names_file_and_reason(
    tmp_path: Path, name: str, text: str, reason: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(CardError) as caught:
        parse_card(path)
    assert caught.value.file == path
    assert reason in caught.value.reason
    assert str(path) in str(caught.value)


def test_bad_cards_do_not_stop_good_ones(tmp_path: Path) -> None:
    write(tmp_path, "acte-naissance", GOOD)
    write(tmp_path, "casse", "---\nid: casse\n")
    (tmp_path / "README.md").write_text("# Not a card\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a card either\n", encoding="utf-8")
    result = load_cards(tmp_path)
    assert [c.id for c in result.cards] == ["acte-naissance"]
    assert [e.file.name for e in result.errors] == ["casse.md"]


def test_duplicate_ids_across_subfolders_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "acte-naissance", GOOD)
    (tmp_path / "archive").mkdir()
    dup = write(tmp_path / "archive", "acte-naissance", GOOD)
    result = load_cards(tmp_path)
    assert len(result.cards) == 1
    assert len(result.errors) == 1
    assert result.errors[0].file == dup
    assert "duplicate id" in result.errors[0].reason


def test_demo_kb_is_complete() -> None:
    result = load_cards(DEMO_CARDS)
    assert result.errors == []
    cards = {c.id: c for c in result.cards}
    assert len(cards) >= 60
    english = [c for c in cards.values() if c.lang == "en"]
    assert len(english) >= 10
    services = {c.service for c in cards.values()}
    for service in (
        "etat-civil",
        "titres-identite",
        "elections",
        "education",
        "proprete",
        "urbanisme",
        "ccas",
        "police-municipale",
        "culture",
        "finances",
    ):
        assert service in services
    for card in cards.values():
        assert len(card.answer) < 600


def test_demo_eval_set_is_labelled_against_the_demo_kb() -> None:
    ids = {c.id for c in load_cards(DEMO_CARDS).cards}
    lines = [json.loads(line) for line in DEMO_EVAL.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 200
    out_of_scope = [x for x in lines if x["expect"] is None]
    assert len(out_of_scope) >= 60
    assert sum(x.get("kind") == "near" for x in out_of_scope) >= 40
    assert sum(x["lang"] == "en" for x in lines) >= 30
    assert all(x["expect"] in ids for x in lines if x["expect"] is not None)
    assert len({x["q"] for x in lines}) == len(lines)
