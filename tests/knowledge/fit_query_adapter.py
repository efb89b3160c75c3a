"""Learn the shipped query adapter and refit the shipped calibration around it.

    .venv/bin/python -m tests.knowledge.fit_query_adapter            # measure only
    .venv/bin/python -m tests.knowledge.fit_query_adapter --write    # and write both files

Development data only: the demo commune and the four development communes under
tests/knowledge (never tests/heldout). Each commune is left out in turn:

1. **ranking**: an adapter learnt on the four others, top-1 of the plain vector search
   on the left-out one, before and after;
2. **calibration**: fitted, as before, on the 'fit' splits of the demo and of
   ``dev_commune``, but each with the adapter learnt *without* that commune, so that the
   confidence model sees what a new city's questions look like through the adapter, not
   questions the adapter was learnt on;
3. **decision**: on the demo and ``dev_commune`` 'test' splits and on all of
   ``dev_commune2`` / ``dev_commune3``, each through its left-out adapter and the new
   calibration, against the system as it stands when the script starts (no adapter,
   knowledge/calibration.yaml), per language, at the operating point.

The adapter learns from the out-of-scope questions too: the "not a city hall matter"
anchors are their card (``--no-oos-negatives``: in-scope only, the first version, which
made near-misses look answerable). The shipped adapter is then learnt on all five,
without the 'test' splits that the calibration reports on (``--write``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from guichet.settings import Settings
from knowledge.adapter import SHIPPED_ADAPTER, QueryAdapter
from knowledge.adapter_fit import AdapterFit, TrainingSet, fit_adapter, top1
from knowledge.base import KnowledgeBase
from knowledge.calibration import SHIPPED, Calibrator, untrained
from knowledge.embeddings import Embedder, get_embedder
from knowledge.evaluate import EvalItem, evaluate, fit_calibration, read_questions
from knowledge.index import chroma_collection, ingest
from knowledge.retrieve import out_of_scope_topics

ROOT = Path(__file__).resolve().parents[2]
PARAPHRASES = ROOT / "tests/knowledge/paraphrases"
COMMUNES: dict[str, tuple[Path, tuple[Path, ...]]] = {
    "demo": (
        ROOT / "knowledge/demo/cards",
        (
            ROOT / "knowledge/demo/eval.jsonl",
            PARAPHRASES / "demo.jsonl",
            PARAPHRASES / "more_demo.jsonl",
        ),
    ),
    "dev": (
        ROOT / "tests/knowledge/dev_commune/cards",
        (
            ROOT / "tests/knowledge/dev_commune/questions.jsonl",
            PARAPHRASES / "dev.jsonl",
            PARAPHRASES / "more_dev.jsonl",
        ),
    ),
    "dev2": (
        ROOT / "tests/knowledge/dev_commune2/cards",
        (ROOT / "tests/knowledge/dev_commune2/questions.jsonl",),
    ),
    "dev3": (
        ROOT / "tests/knowledge/dev_commune3/cards",
        (ROOT / "tests/knowledge/dev_commune3/questions.jsonl",),
    ),
}
# written after the shipped adapter; adding it to the learning (--with-dev4) helped French
# and not English, and was not kept (knowledge/demo/README.md): it stays a commune the
# shipped adapter and calibration never saw (tests/knowledge/test_transfer.py)
DEV4 = (
    ROOT / "tests/knowledge/dev_commune4/cards",
    (ROOT / "tests/knowledge/dev_commune4/questions.jsonl",),
)
# the calibration's fit, as `guichet kb calibrate ... --also` runs it (knowledge/demo/README.md)
CALIBRATION_FILES = {"demo": COMMUNES["demo"][1][0], "dev": COMMUNES["dev"][1][0]}
ALL_FOUR = CALIBRATION_FILES | {n: COMMUNES[n][1][0] for n in ("dev2", "dev3")}


@dataclass(frozen=True)
class Commune:
    """One commune, loaded and embedded once: its index, its questions (every file,
    read once), each question's vector and the index's card vectors. Every training
    set below is a selection of these, so that nothing is read or embedded twice."""

    index: Path
    questions: dict[Path, list[EvalItem]]  # per file, in the order of COMMUNES
    card_ids: list[str]
    owner: npt.NDArray[np.int_]  # the card of each passage vector
    passages: npt.NDArray[np.float64]
    vectors: npt.NDArray[np.float64]  # one per item of `items`, in that order

    @property
    def items(self) -> list[EvalItem]:
        return [i for group in self.questions.values() for i in group]


def load_commune(cards: Path, files: Sequence[Path], index: Path, embedder: Embedder) -> Commune:
    ingest(cards, index, embedder)
    questions = {f: read_questions(f, need_expect=True) for f in files}
    got = chroma_collection(index, create=False).get(include=["embeddings", "metadatas"])
    ids = sorted({str(m["card_id"]) for m in got["metadatas"]})
    return Commune(
        index=index,
        questions=questions,
        card_ids=ids,
        owner=np.array([ids.index(str(m["card_id"])) for m in got["metadatas"]]),
        passages=np.asarray(got["embeddings"], dtype=np.float64),
        # the questions as said: the shipped adapter was learnt so, and the retriever now
        # embeds their spoken core (knowledge.spoken); learning from the spoken cores too
        # was tried and not kept (knowledge/demo/README.md)
        vectors=embedder.embed_queries([i.q for g in questions.values() for i in g]).astype(
            np.float64
        ),
    )


def training_set(
    commune: Commune,
    anchors: npt.NDArray[np.float64] | None,
    split: str | None = None,
) -> TrainingSet:
    """The index's card vectors and the in-scope questions (of ``split`` only, if
    given); with ``anchors`` (the "not a city hall matter" ones), the anchors are one
    more card, the answer of the out-of-scope questions: the adapter then learns to
    leave those near the anchors, rather than pull every city-hall-sounding question
    towards the cards."""
    items = commune.items
    kept = [n for n, i in enumerate(items) if split is None or i.split == split]
    rows = [n for n in kept if items[n].expect is not None]
    answers = [commune.card_ids.index(str(items[n].expect)) for n in rows]
    passages, owner = commune.passages, commune.owner
    if anchors is not None:
        passages = np.concatenate([passages, anchors])
        owner = np.concatenate([owner, np.full(len(anchors), len(commune.card_ids))])
        outside = [n for n in kept if items[n].expect is None]
        rows += outside
        answers += [len(commune.card_ids)] * len(outside)
    return TrainingSet(
        passages=passages,
        owner=owner,
        questions=commune.vectors[rows],
        answers=np.array(answers),
    )


def decision(kb: KnowledgeBase, items: Sequence[EvalItem]) -> dict[str, Any]:
    return evaluate(kb, items).by_lang


def confidences(kb: KnowledgeBase, items: Sequence[EvalItem]) -> list[dict[str, Any]]:
    """Per question: its language, whether it is in scope, whether the top card is
    right, and the confidence: enough to draw the whole answer/precision curve."""
    rows = []
    for item in items:
        answer = kb.answer(item.q, item.lang)
        top = answer.candidates[0].card_id if answer.candidates else None
        rows.append(
            {
                "lang": item.lang,
                "in_scope": item.expect is not None,
                "right": item.expect is not None and top == item.expect,
                "p": round(answer.confidence, 4),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the adapter and calibration")
    parser.add_argument(
        "--calibrate-on-four",
        action="store_true",
        help="fit the calibration on the 'fit' splits of all four communes, measure on their "
        "'test' splits (default: demo and dev_commune, as `kb calibrate --also`)",
    )
    parser.add_argument(
        "--no-oos-negatives",
        action="store_true",
        help="learn from in-scope questions only (the first version, not kept)",
    )
    parser.add_argument("--langs", default="fr,en", help="the questions the adapter maps")
    parser.add_argument(
        "--with-dev4",
        action="store_true",
        help="learn from dev_commune4 too (a fifth commune, left out in turn; not kept)",
    )
    args = parser.parse_args()
    learning = COMMUNES | ({"dev4": DEV4} if args.with_dev4 else {})
    langs = frozenset(args.langs.split(","))
    negatives = not args.no_oos_negatives
    calibration_files = ALL_FOUR if args.calibrate_on_four else CALIBRATION_FILES
    # the decision printed at the one operating point (kb_operating_point); the per-language
    # raise is read off the curves of the report
    settings = Settings(kb_query_adapter_enabled=False, kb_operating_point_raise={})
    embedder = get_embedder(settings.kb_embedding_model)
    fit = AdapterFit()
    with tempfile.TemporaryDirectory(prefix="adapter-") as tmp:
        communes = {
            name: load_commune(cards, files, Path(tmp) / name, embedder)
            for name, (cards, files) in learning.items()
        }
        anchors = embedder.embed_queries(out_of_scope_topics()).astype(np.float64)
        learnt_with = anchors if negatives else None
        sets = {n: training_set(c, learnt_with) for n, c in communes.items()}
        # what the ranking's top-1 is measured on
        in_scope = {n: training_set(c, None) for n, c in communes.items()}
        report: dict[str, Any] = {"fit": fit.__dict__, "ranking_left_out": {}}
        left_out: dict[str, QueryAdapter] = {}
        for name in learning:
            matrix = fit_adapter([s for n, s in sets.items() if n != name], fit)
            left_out[name] = QueryAdapter(embedder.info.name, matrix.astype(np.float32), langs)
            report["ranking_left_out"][name] = {
                "questions": len(in_scope[name].answers),
                "top1_before": round(top1(in_scope[name], None), 4),
                "top1_after": round(top1(in_scope[name], matrix), 4),
            }
            print(name, report["ranking_left_out"][name], flush=True)

        def opened(
            name: str, calibrator: Calibrator, adapter: QueryAdapter | None
        ) -> KnowledgeBase:
            kb = KnowledgeBase.open(communes[name].index, settings, calibrator=calibrator)
            kb.retriever.adapter = adapter
            kb.retriever.weights = calibrator.fusion
            kb.confirm_from = None  # answer or abstain: the figures the issue asks for
            return kb

        fit_items = {
            n: [i for i in communes[n].questions[f] if i.split == "fit"]
            for n, f in calibration_files.items()
        }
        calibrator = fit_calibration(
            opened("demo", untrained(), left_out["demo"]),
            fit_items["demo"],
            [(opened(n, untrained(), left_out[n]), fit_items[n]) for n in fit_items if n != "demo"],
        )
        calibrator.report["query_adapter"] = "each KB through the adapter learnt without it"
        shipped = Calibrator.load(SHIPPED)
        evaluation = {
            n: [i for i in communes[n].questions[f] if i.split == "test"]
            for n, f in calibration_files.items()
        }
        evaluation |= {n: communes[n].items for n in learning if n not in evaluation}
        report["decision"] = {}
        for name, group in evaluation.items():
            as_is, adapted = opened(name, shipped, None), opened(name, calibrator, left_out[name])
            before, after = decision(as_is, group), decision(adapted, group)
            report["decision"][name] = {"before": before, "after": after}
            report.setdefault("curves", {})[name] = {
                "before": confidences(as_is, group),
                "after": confidences(adapted, group),
            }
            for lang in sorted(before):
                b, a = before[lang], after[lang]
                print(
                    f"{name} {lang}: "
                    + "  ".join(
                        f"{k} {b[k]}->{a[k]}"
                        for k in ("answered_correct", "precision", "oos_abstain", "top1")
                    ),
                    flush=True,
                )
        if args.write:
            # the shipped one leaves out the 'test' splits that `kb calibrate` and
            # bench_heldout.py report on, so that those stay held out for the ranking too
            final = {
                n: training_set(c, learnt_with, "fit" if n in CALIBRATION_FILES else None)
                for n, c in communes.items()
            }
            matrix = fit_adapter(list(final.values()), fit)
            note = (
                f"learnt on {sum(len(s.answers) for s in final.values())} questions "
                f"of {', '.join(learning)} (not the demo's and dev_commune's 'test' splits)"
                f"{', out-of-scope ones kept near the anchors' if negatives else ''}; "
                f"penalty {fit.penalty}, tau {fit.tau}, {fit.steps} steps"
            )
            QueryAdapter(embedder.info.name, matrix.astype(np.float32), langs, note).save(
                SHIPPED_ADAPTER
            )
            calibrator.save(SHIPPED)
            print(f"wrote {SHIPPED_ADAPTER} and {SHIPPED}")
        report["fusion"] = calibrator.fusion.to_dict()
        suffix = (
            ("_four" if args.calibrate_on_four else "")
            + ("_in_scope_only" if args.no_oos_negatives else "")
            + ("_with_dev4" if args.with_dev4 else "")
            + "_"
            + "_".join(sorted(langs))
        )
        out = ROOT / f"bench-results/query_adapter{suffix}.json"
        out.write_text(json.dumps(report, indent=1), encoding="utf-8")
        print(f"report: {out}")


if __name__ == "__main__":
    main()
