"""Knowledge benchmark (not a test): ingest throughput, ``ask`` latency, eval metrics.

    .venv/bin/python tests/bench/bench_knowledge.py --out bench-results [--synthetic 10000]
        [--embed-synthetic]

Writes ``knowledge.json`` under ``--out``:

- ingest of the demo KB (real model): seconds, cards/s, passages/s; a no-change refresh.
- ``answer()`` latency with the model loaded, over every question of the demo eval set
  (median, p95, max), at the demo size and at ``--synthetic`` cards.
- eval metrics on the held-out split and on everything, and on the dev commune's
  held-out split (tests/knowledge/dev_commune: other cards, the shipped calibration).

The large index is made of synthetic cards whose vectors are demo vectors plus noise
(embedding 10 000 cards costs minutes of CPU; the query path, which is what the
latency goal is about, is the same). ``--embed-synthetic`` embeds them for real and
so also measures ingest throughput at that size.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from guichet.settings import Settings  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.cards import Card, load_cards  # noqa: E402
from knowledge.embeddings import get_embedder  # noqa: E402
from knowledge.evaluate import evaluate, read_questions  # noqa: E402
from knowledge.index import Manifest, card_terms, chroma_collection, ingest  # noqa: E402

DEMO = ROOT / "knowledge" / "demo"
DEV_COMMUNE = ROOT / "tests" / "knowledge" / "dev_commune"


def latency(kb: KnowledgeBase, questions: list[tuple[str, str]]) -> dict[str, float]:
    for q, lang in questions[:5]:
        kb.answer(q, lang)  # warm caches
    times = []
    for q, lang in questions:
        start = time.perf_counter()
        kb.answer(q, lang)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "n": len(times),
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "max_ms": round(times[-1], 2),
    }


def synthetic_cards(base: list[Card], n: int, seed: int = 7) -> list[Card]:
    rng = random.Random(seed)
    words = sorted({w for c in base for w in (c.title + " " + c.answer).split() if len(w) > 3})
    cards = []
    for i in range(n):
        src = base[i % len(base)]
        extra = " ".join(rng.sample(words, 6))
        data = src.to_dict() | {
            "id": f"synth-{i:05d}",
            "title": f"{src.title} ({extra})",
            "answer": f"{src.answer} {extra}.",
            "questions": [f"{q} {extra}" for q in src.questions[:2]],
            "file": f"synth-{i:05d}.md",
            "content_hash": f"synthetic-{i}",
        }
        cards.append(Card.from_dict(data))
    return cards


def build_synthetic(index: Path, n: int, embed: bool, settings: Settings) -> dict[str, Any]:
    """Demo cards + ``n`` synthetic ones in one index."""
    embedder = get_embedder(settings.kb_embedding_model)
    folder = index.parent / "synthetic-cards"
    base = load_cards(DEMO / "cards").cards
    cards = synthetic_cards(base, n)
    if embed:
        folder.mkdir()
        for path in (DEMO / "cards").glob("*.md"):
            (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        for c in cards:
            meta = {
                "id": c.id,
                "title": c.title,
                "lang": c.lang,
                "service": c.service,
                "questions": list(c.questions),
            }
            front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
            (folder / c.file).write_text(f"---\n{front}---\n{c.answer}\n", encoding="utf-8")
        report = ingest(folder, index, embedder)
        return {
            "seconds": round(report.seconds, 1),
            "errors": len(report.errors),
            "cards_per_s": round(report.total / report.seconds, 1),
        }
    ingest(DEMO / "cards", index, embedder)
    collection = chroma_collection(index, create=True)
    got = collection.get(include=["embeddings", "metadatas"])
    by_card: dict[str, list[np.ndarray]] = {}
    for vec, meta in zip(got["embeddings"], got["metadatas"], strict=True):
        by_card.setdefault(str(meta["card_id"]), []).append(np.asarray(vec, dtype=np.float32))
    rng = np.random.default_rng(7)
    manifest = Manifest.read(index)
    started = time.perf_counter()
    for start in range(0, len(cards), 500):
        ids, vecs, metas = [], [], []
        for k, card in enumerate(cards[start : start + 500]):
            src = base[(start + k) % len(base)]
            for j, v in enumerate(by_card[src.id][:4]):
                noisy = v + rng.normal(0, 0.02, v.shape).astype(np.float32)
                ids.append(f"{card.id}::{j}")
                vecs.append(noisy / np.linalg.norm(noisy))
                metas.append({"card_id": card.id, "kind": j})
            manifest.cards[card.id] = card
            manifest.terms[card.id] = card_terms(card)
        collection.add(ids=ids, embeddings=np.stack(vecs), metadatas=metas)
    manifest.write(index)
    return {"seconds_without_embedding": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--synthetic", type=int, default=10_000)
    parser.add_argument("--embed-synthetic", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    results: dict[str, Any] = {}
    items = read_questions(DEMO / "eval.jsonl", need_expect=True)
    questions = [(i.q, i.lang) for i in items]

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "demo-index"
        embedder = get_embedder(settings.kb_embedding_model)
        report = ingest(DEMO / "cards", index, embedder)
        refresh = ingest(DEMO / "cards", index, embedder)
        results["ingest_demo"] = {
            "cards": report.total,
            "passages": report.embedded_passages,
            "seconds": round(report.seconds, 2),
            "cards_per_s": round(report.total / report.seconds, 1),
            "passages_per_s": round(report.embedded_passages / report.seconds, 1),
            "refresh_unchanged_seconds": round(refresh.seconds, 2),
        }
        start = time.perf_counter()
        kb = KnowledgeBase.open(index, settings)
        results["open_seconds"] = round(time.perf_counter() - start, 2)
        results["latency_demo"] = latency(kb, questions)
        held_out = evaluate(kb, [i for i in items if i.split == "test"])
        everything = evaluate(kb, items)
        results["eval"] = {
            "operating_point": kb.operating_point,
            "operating_point_by_lang": kb.operating_point_by_lang,
            "held_out": {"overall": held_out.overall, "by_lang": held_out.by_lang},
            "all": {"overall": everything.overall, "by_lang": everything.by_lang},
        }
        dev_index = Path(tmp) / "dev-index"
        ingest(DEV_COMMUNE / "cards", dev_index, embedder)
        dev_items = read_questions(DEV_COMMUNE / "questions.jsonl", need_expect=True)
        dev = evaluate(
            KnowledgeBase.open(dev_index, settings), [i for i in dev_items if i.split == "test"]
        )
        results["eval"]["dev_commune_held_out"] = {"overall": dev.overall, "by_lang": dev.by_lang}
        print(json.dumps(results, indent=1), flush=True)

        if args.synthetic:
            big = Path(tmp) / "big-index"
            build = build_synthetic(big, args.synthetic, args.embed_synthetic, settings)
            kb_big = KnowledgeBase.open(big, settings)
            results[f"latency_{len(kb_big.cards)}_cards"] = latency(kb_big, questions)
            results["synthetic_build"] = build
            results["synthetic_cards"] = len(kb_big.cards)
    results["machine"] = {"cpus": __import__("os").cpu_count()}
    (args.out / "knowledge.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "eval"}, indent=1))


if __name__ == "__main__":
    main()
