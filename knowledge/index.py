"""The on-disk index: chromadb (vectors) + a JSON manifest (cards, hashes, lexical terms).

Layout of an index directory::

    manifest.json   format version, embedding engine, every card with its content hash
                    and analysed terms (the lexical index is rebuilt from it on open)
    chroma/         chromadb PersistentClient: several vectors per card (title, spoken
                    answer, each example question), metadata card_id

Refreshing compares content hashes: unchanged cards are not re-embedded, removed
files drop their card, a file that became malformed keeps its last good version
(the live desk keeps answering) while the error is reported.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.cards import Card, load_cards
from knowledge.embeddings import Embedder
from knowledge.errors import CardError, IndexCorrupt, IndexNotFound, KnowledgeError
from knowledge.lexical import analyze

log = logging.getLogger(__name__)

FORMAT = 2  # bump when what is embedded changes: old indexes are rebuilt
MANIFEST = "manifest.json"
CHROMA_DIR = "chroma"
COLLECTION = "cards"
BATCH = 256


def card_passages(card: Card) -> list[tuple[str, bool]]:
    """What gets a vector, and whether it is embedded as a query.

    Each is a different way a caller might phrase the topic. Titles and example
    questions are question-like, so they are embedded on the query side (e5's
    symmetric use): a caller's question then meets its paraphrase like for like.
    """
    return [
        (card.title, True),
        (f"{card.title}. {card.answer}", False),
        *((q, True) for q in card.questions),
    ]


def card_terms(card: Card) -> list[str]:
    # Title and tags count twice: they name the topic; the details are left out
    # because their incidental words ("mairie", "document") make off-topic
    # questions look covered.
    text = " ".join([card.title, card.title, *card.tags, *card.tags, *card.questions, card.answer])
    return analyze(text, card.lang)


def _chroma_client(path: Path) -> Any:
    import chromadb  # noqa: PLC0415  (slow import, only when an index is touched)
    from chromadb.config import Settings as ChromaSettings  # noqa: PLC0415

    return chromadb.PersistentClient(
        path=str(path / CHROMA_DIR),
        settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
    )


def chroma_collection(path: Path, *, create: bool, reset: bool = False) -> Any:
    client = _chroma_client(path)
    if reset and COLLECTION in {getattr(c, "name", c) for c in client.list_collections()}:
        client.delete_collection(COLLECTION)
    if create:
        return client.get_or_create_collection(
            COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
    try:
        return client.get_collection(COLLECTION, embedding_function=None)
    except Exception as exc:  # chromadb raises several types across versions
        raise IndexCorrupt(f"{path}: no vector collection ({exc})") from exc


@dataclass
class Manifest:
    embedder: str
    cards: dict[str, Card] = field(default_factory=dict)
    terms: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        file = path / MANIFEST
        if not file.is_file():
            raise IndexNotFound(path)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise IndexCorrupt(f"{file}: format {data.get('format')}, expected {FORMAT}")
            cards = {c["id"]: Card.from_dict(c) for c in data["cards"]}
            terms = {c["id"]: list(c["terms"]) for c in data["cards"]}
            return cls(embedder=str(data["embedder"]), cards=cards, terms=terms)
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"{file}: unreadable manifest ({exc})") from exc

    def write(self, path: Path) -> None:
        data = {
            "format": FORMAT,
            "embedder": self.embedder,
            "cards": [
                {**self.cards[i].to_dict(), "terms": self.terms[i]} for i in sorted(self.cards)
            ],
        }
        tmp = path / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path / MANIFEST)  # atomic: a reader sees the old or the new one


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_stale: list[str] = field(default_factory=list)
    errors: list[CardError] = field(default_factory=list)
    embedded_passages: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged) + len(self.kept_stale)


def ingest(
    folder: Path,
    index_path: Path,
    embedder: Embedder,
    progress: Callable[[int], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> IngestReport:
    """Build or refresh ``index_path`` from the cards in ``folder``.

    ``on_plan`` is told how many cards will be embedded, ``progress`` how many were
    just done, so a caller can draw a progress bar.
    """
    started = time.perf_counter()
    loaded = load_cards(folder)
    report = IngestReport(errors=list(loaded.errors))
    index_path.mkdir(parents=True, exist_ok=True)
    rebuild = False
    try:
        old = Manifest.read(index_path)
    except IndexNotFound:
        old, rebuild = Manifest(embedder=embedder.info.name), True
    except IndexCorrupt as exc:
        log.warning("rebuilding the index from scratch: %s", exc)
        old, rebuild = Manifest(embedder=embedder.info.name), True
    if old.embedder != embedder.info.name:
        # Vectors from another engine live in another space: start over.
        log.info(
            "embedding engine changed (%s -> %s): re-embedding all cards",
            old.embedder,
            embedder.info.name,
        )
        old, rebuild = Manifest(embedder=embedder.info.name), True
    try:
        collection = chroma_collection(index_path, create=True, reset=rebuild)
    except Exception as exc:
        raise KnowledgeError(f"{index_path}: cannot open the vector store ({exc})") from exc

    new = Manifest(embedder=embedder.info.name)
    to_embed: list[Card] = []
    for card in loaded.cards:
        previous = old.cards.get(card.id)
        if previous is not None and previous.content_hash == card.content_hash:
            report.unchanged.append(card.id)
            new.cards[card.id], new.terms[card.id] = previous, old.terms[card.id]
            continue
        (report.updated if previous is not None else report.added).append(card.id)
        to_embed.append(card)
        new.cards[card.id], new.terms[card.id] = card, card_terms(card)
    # A file that is still there but no longer parses keeps its last good version.
    broken_ids = {e.file.stem for e in loaded.errors if e.file.exists()}
    for card_id in sorted(broken_ids & (set(old.cards) - set(new.cards))):
        new.cards[card_id], new.terms[card_id] = old.cards[card_id], old.terms[card_id]
        report.kept_stale.append(card_id)
    report.removed = sorted(set(old.cards) - set(new.cards))

    stale_vectors = sorted(set(report.removed) | set(report.updated))
    if stale_vectors:
        collection.delete(where={"card_id": {"$in": stale_vectors}})
    if on_plan is not None:
        on_plan(len(to_embed))
    _embed_cards(collection, embedder, to_embed, report, progress)
    new.write(index_path)
    report.seconds = time.perf_counter() - started
    return report


def _embed_cards(
    collection: Any,
    embedder: Embedder,
    cards: Sequence[Card],
    report: IngestReport,
    progress: Callable[[int], None] | None,
) -> None:
    batch_ids: list[str] = []
    batch_texts: list[tuple[str, bool]] = []
    batch_meta: list[dict[str, str | int]] = []
    pending_cards = 0

    def flush() -> None:
        nonlocal pending_cards
        if batch_ids:
            queries = [i for i, (_, q) in enumerate(batch_texts) if q]
            passages = [i for i, (_, q) in enumerate(batch_texts) if not q]
            vectors = np.zeros((len(batch_texts), embedder.info.dim), dtype=np.float32)
            if queries:
                vectors[queries] = embedder.embed_queries([batch_texts[i][0] for i in queries])
            if passages:
                vectors[passages] = embedder.embed_passages([batch_texts[i][0] for i in passages])
            collection.add(ids=batch_ids, embeddings=vectors, metadatas=batch_meta)
            report.embedded_passages += len(batch_ids)
        if progress is not None and pending_cards:
            progress(pending_cards)
        batch_ids.clear()
        batch_texts.clear()
        batch_meta.clear()
        pending_cards = 0

    for card in cards:
        for k, item in enumerate(card_passages(card)):
            batch_ids.append(f"{card.id}::{k}")
            batch_texts.append(item)
            batch_meta.append({"card_id": card.id, "kind": k})
        pending_cards += 1
        if len(batch_ids) >= BATCH:
            flush()
    flush()
