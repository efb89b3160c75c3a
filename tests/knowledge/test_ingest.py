"""Ingestion against the real model and real chromadb: refresh, removal, bad cards."""

from __future__ import annotations

from pathlib import Path

from knowledge.embeddings import Embedder, get_embedder
from knowledge.index import Manifest, chroma_collection, ingest


def vector_cards(index: Path) -> set[str]:
    got = chroma_collection(index, create=False).get(include=["metadatas"])
    return {str(m["card_id"]) for m in got["metadatas"]}


def test_first_ingest_then_unchanged_cards_are_not_re_embedded(
    small_kb_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    index = tmp_path / "index"
    first = ingest(small_kb_dir, index, embedder)
    assert sorted(first.added) == sorted(p.stem for p in small_kb_dir.glob("*.md"))
    assert first.embedded_passages > 0
    assert vector_cards(index) == set(first.added)

    again = ingest(small_kb_dir, index, embedder)
    assert again.embedded_passages == 0
    assert again.added == again.updated == again.removed == []
    assert len(again.unchanged) == 5


def test_edited_card_alone_is_re_embedded(
    small_kb_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    index = tmp_path / "index"
    ingest(small_kb_dir, index, embedder)
    card = small_kb_dir / "encombrants.md"
    card.write_text(card.read_text(encoding="utf-8").replace("2 m³", "3 m³"), encoding="utf-8")
    report = ingest(small_kb_dir, index, embedder)
    assert report.updated == ["encombrants"]
    assert len(report.unchanged) == 4
    # Only that card's passages: title, title+answer, and its example questions.
    assert report.embedded_passages == 2 + len(Manifest.read(index).cards["encombrants"].questions)
    assert "3 m³" in Manifest.read(index).cards["encombrants"].details


def test_removed_file_removes_its_card_and_vectors(
    small_kb_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    index = tmp_path / "index"
    ingest(small_kb_dir, index, embedder)
    (small_kb_dir / "dechets-verts.md").unlink()
    report = ingest(small_kb_dir, index, embedder)
    assert report.removed == ["dechets-verts"]
    assert "dechets-verts" not in Manifest.read(index).cards
    assert "dechets-verts" not in vector_cards(index)


def test_malformed_card_is_reported_and_the_rest_ingested(
    small_kb_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    (small_kb_dir / "casse.md").write_text("---\nid: casse\nlang: fr\n", encoding="utf-8")
    index = tmp_path / "index"
    report = ingest(small_kb_dir, index, embedder)
    assert [(e.file.name, e.reason) for e in report.errors] == [
        ("casse.md", "front matter is not closed by a '---' line")
    ]
    assert len(report.added) == 5


def test_card_that_breaks_keeps_its_last_good_version(
    small_kb_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    index = tmp_path / "index"
    ingest(small_kb_dir, index, embedder)
    (small_kb_dir / "horaires-mairie.md").write_text("oops", encoding="utf-8")
    report = ingest(small_kb_dir, index, embedder)
    assert [e.file.name for e in report.errors] == ["horaires-mairie.md"]
    assert report.kept_stale == ["horaires-mairie"]
    assert report.removed == []
    assert "horaires-mairie" in Manifest.read(index).cards
    assert "horaires-mairie" in vector_cards(index)


def test_other_embedding_engine_rebuilds_everything(
    small_kb_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    index = tmp_path / "index"
    ingest(small_kb_dir, index, embedder)
    report = ingest(small_kb_dir, index, get_embedder("hashing"))
    assert len(report.added) == 5
    assert Manifest.read(index).embedder == "hashing-trigram-256"
    assert chroma_collection(index, create=False).count() == report.embedded_passages
