"""The card format: one Markdown file per topic, YAML front matter, first paragraph spoken.

This format is an interface (editors and external tests write it), so the parser is
strict and every rejection names the file and the reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import CardError

LANGS = ("fr", "en")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Files that live beside cards in a KB folder but are not cards.
NOT_CARDS = {"readme.md", "changelog.md", "license.md", "index.md"}
ALLOWED_KEYS = {"id", "title", "lang", "service", "questions", "tags"}
MAX_SPOKEN_CHARS = 600


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    lang: str
    service: str
    answer: str  # the first paragraph: what the voicebot reads out
    details: str  # everything after it, for agents and the chat
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    file: str = ""
    content_hash: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "lang": self.lang,
            "service": self.service,
            "answer": self.answer,
            "details": self.details,
            "questions": list(self.questions),
            "tags": list(self.tags),
            "file": self.file,
            "content_hash": self.content_hash,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        return cls(
            id=data["id"],
            title=data["title"],
            lang=data["lang"],
            service=data["service"],
            answer=data["answer"],
            details=data["details"],
            questions=tuple(data["questions"]),
            tags=tuple(data["tags"]),
            file=data["file"],
            content_hash=data["content_hash"],
        )


def _string_list(path: Path, meta: dict[str, Any], key: str) -> tuple[str, ...]:
    value = meta.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CardError(path, f"'{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _required_str(path: Path, meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CardError(path, f"missing or empty '{key}'")
    return value.strip()


def parse_card(path: Path, text: str | None = None) -> Card:
    """Parse one card file; raise :class:`CardError` naming the file and what is wrong."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CardError(path, "not UTF-8") from None
        except OSError as exc:
            raise CardError(path, f"cannot read: {exc.strerror}") from None
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise CardError(path, "no YAML front matter (the file must start with '---')")
    end = text.find("\n---", 4)
    if end < 0:
        raise CardError(path, "front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load(text[4:end])
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        raise CardError(path, f"invalid YAML front matter{line}") from None
    if not isinstance(meta, dict):
        raise CardError(path, "front matter must be a mapping of keys")
    unknown = sorted(set(map(str, meta)) - ALLOWED_KEYS)
    if unknown:
        raise CardError(path, f"unknown key(s): {', '.join(unknown)}")

    card_id = _required_str(path, meta, "id")
    if not SLUG.match(card_id):
        raise CardError(path, f"id '{card_id}' is not a lowercase slug (a-z, 0-9, '-')")
    if card_id != path.stem:
        raise CardError(path, f"id '{card_id}' differs from the file name '{path.stem}'")
    lang = _required_str(path, meta, "lang")
    if lang not in LANGS:
        raise CardError(path, f"lang '{lang}' is not one of {', '.join(LANGS)}")
    service = _required_str(path, meta, "service")
    if not SLUG.match(service):
        raise CardError(path, f"service '{service}' is not a lowercase slug")

    body = text[end + 4 :].split("\n", 1)[1] if "\n" in text[end + 4 :] else ""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    if not paragraphs:
        raise CardError(path, "empty body: the first paragraph is the spoken answer")
    answer = " ".join(paragraphs[0].split())
    if answer.startswith(("#", "-", "*", "|")):
        raise CardError(path, "the first paragraph must be plain sentences (it is read aloud)")
    if len(answer) > MAX_SPOKEN_CHARS:
        raise CardError(
            path, f"spoken answer is {len(answer)} characters; keep it under {MAX_SPOKEN_CHARS}"
        )
    card = Card(
        id=card_id,
        title=_required_str(path, meta, "title"),
        lang=lang,
        service=service,
        answer=answer,
        details="\n\n".join(paragraphs[1:]),
        questions=_string_list(path, meta, "questions"),
        tags=_string_list(path, meta, "tags"),
        file=str(path),
    )
    digest = hashlib.sha256(repr(card.to_dict() | {"file": ""}).encode("utf-8")).hexdigest()
    return _with_hash(card, digest[:32])


def _with_hash(card: Card, digest: str) -> Card:
    data = card.to_dict()
    data["content_hash"] = digest
    return Card.from_dict(data)


def card_files(folder: Path) -> Iterator[Path]:
    """Every ``*.md`` under ``folder`` that may be a card (README and hidden files are not)."""
    for path in sorted(folder.rglob("*.md")):
        rel = path.relative_to(folder)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        if path.name.lower() in NOT_CARDS or not path.is_file():
            continue
        yield path


@dataclass
class LoadResult:
    cards: list[Card]
    errors: list[CardError]


def load_cards(folder: Path) -> LoadResult:
    """Parse a KB folder. Bad cards are collected, not raised, so good ones still load.

    A duplicated id (possible across sub-folders) rejects every copy after the first,
    because silently picking one would make answers depend on file order.
    """
    if not folder.is_dir():
        raise CardError(folder, "not a folder")
    cards: list[Card] = []
    errors: list[CardError] = []
    seen: dict[str, str] = {}
    for path in card_files(folder):
        try:
            card = parse_card(path)
        except CardError as exc:
            errors.append(exc)
            continue
        if card.id in seen:
            errors.append(CardError(path, f"duplicate id '{card.id}' (also in {seen[card.id]})"))
            continue
        seen[card.id] = card.file
        cards.append(card)
    return LoadResult(cards, errors)
