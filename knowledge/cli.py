"""``guichet kb …``: ingest a folder of cards, ask, evaluate, calibrate."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from guichet.commands import get_settings
from guichet.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def _translate_errors(func: F) -> F:
    """Knowledge errors become a one-line message and exit status 1, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from knowledge.errors import KnowledgeError  # noqa: PLC0415

        try:
            return func(*args, **kwargs)
        except KnowledgeError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def _index(settings: Settings, index: str | None) -> Path:
    return Path(index).expanduser().resolve() if index else settings.kb_index_path


_index_option = click.option(
    "--index", type=click.Path(file_okay=False), help="index directory (GUICHET_KB_INDEX)"
)


@click.group()
def kb() -> None:
    """The knowledge base: cards in, answers (or an honest "I don't know") out."""


@kb.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_index_option
@click.pass_context
@_translate_errors
def ingest(ctx: click.Context, folder: Path, index: str | None) -> None:
    """Build or refresh the index from the cards in FOLDER."""
    from knowledge.embeddings import get_embedder  # noqa: PLC0415
    from knowledge.index import ingest as run_ingest  # noqa: PLC0415

    settings = get_settings(ctx)
    index_path = _index(settings, index)
    embedder = get_embedder(settings.kb_embedding_model)
    bar: Any = None

    def on_plan(total: int) -> None:
        nonlocal bar
        if total and sys.stderr.isatty():
            bar = click.progressbar(length=total, label="embedding cards", file=sys.stderr)
            bar.__enter__()

    def progress(done: int) -> None:
        if bar is not None:
            bar.update(done)

    try:
        report = run_ingest(folder, index_path, embedder, progress, on_plan)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for error in report.errors:
        click.echo(f"error: {error.file}: {error.reason}", err=True)
    click.echo(
        f"{report.total} cards in {index_path}: {len(report.added)} added, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed ({report.embedded_passages} passages embedded, "
        f"{report.seconds:.1f} s)"
    )
    if report.kept_stale:
        click.echo(f"kept the last good version of: {', '.join(report.kept_stale)}", err=True)
    if report.errors:
        click.echo(f"{len(report.errors)} card(s) rejected", err=True)
        ctx.exit(1)


@kb.command()
@click.argument("question", required=False)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@_index_option
@click.option("--json", "as_json", is_flag=True, help="one JSON object per question")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSONL of {"q": ..., "lang": ...}; answers come out in the same order',
)
@click.pass_context
@_translate_errors
def ask(
    ctx: click.Context,
    question: str | None,
    lang: str,
    index: str | None,
    as_json: bool,
    batch: Path | None,
) -> None:
    """Answer QUESTION, or every line of --batch, from the index."""
    from knowledge.base import KnowledgeBase  # noqa: PLC0415
    from knowledge.evaluate import read_questions  # noqa: PLC0415

    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --batch FILE")
    settings = get_settings(ctx)
    items = read_questions(batch, need_expect=False) if batch else None
    base = KnowledgeBase.open(_index(settings, index), settings)
    if items is not None:
        for item in items:
            click.echo(json.dumps(base.answer(item.q, item.lang).to_json(), ensure_ascii=False))
        return
    assert question is not None
    answer = base.answer(question, lang)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False))
    elif answer.abstained:
        guess = f" (likely service: {answer.service})" if answer.service else ""
        click.echo(f"[abstain, confidence {answer.confidence:.2f}]{guess}")
    else:
        click.echo(f"[{answer.card_id}, confidence {answer.confidence:.2f}] {answer.title}")
        click.echo(answer.answer)


@kb.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_index_option
@click.option(
    "--split",
    type=click.Choice(["all", "fit", "test"]),
    default="all",
    show_default=True,
    help="test: only the held-out part (the calibration shipped was fitted on 'fit')",
)
@click.option("--json", "as_json", is_flag=True, help="print the metrics as JSON")
@click.option("--mistakes", is_flag=True, help="list every wrong answer and false abstention")
@click.pass_context
@_translate_errors
def eval_command(
    ctx: click.Context,
    file: Path,
    index: str | None,
    split: str,
    as_json: bool,
    mistakes: bool,
) -> None:
    """Measure answered-correct, precision, out-of-scope abstention, false abstention."""
    from knowledge.base import KnowledgeBase  # noqa: PLC0415
    from knowledge.evaluate import evaluate, read_questions, refit_trust  # noqa: PLC0415

    settings = get_settings(ctx)
    every = read_questions(file, need_expect=True)
    items = every if split == "all" else [i for i in every if i.split == split]
    # A refit would use the 'fit' split: that is what has to be large enough.
    trust = refit_trust([i for i in every if i.split == "fit"])
    base = KnowledgeBase.open(_index(settings, index), settings)
    result = evaluate(base, items)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "by_lang": result.by_lang,
                    "overall": result.overall,
                    "operating_point": base.operating_point,
                    "operating_point_by_lang": base.operating_point_by_lang,
                    "refit_trust": trust.to_json(),
                },
                indent=1,
            )
        )
    else:
        by_lang = "".join(f", {k} {v}" for k, v in sorted(base.operating_point_by_lang.items()))
        click.echo(f"operating point {base.operating_point}{by_lang}  ({len(items)} questions)")
        confirms = bool(result.overall["confirm_rate"])
        header = f"{'lang':<8}{'n':>5}{'in':>5}{'out':>5}{'answered-correct':>18}"
        header += f"{'precision':>11}{'oos-abstain':>13}{'false-abstain':>15}{'top1':>7}"
        header += f"{'confirm':>9}{'confirm-ok':>12}" if confirms else ""
        click.echo(header)
        for name, m in [*result.by_lang.items(), ("all", result.overall)]:
            line = (
                f"{name:<8}{m['questions']:>5}{m['in_scope']:>5}{m['out_of_scope']:>5}"
                f"{_pct(m['answered_correct']):>18}{_pct(m['precision']):>11}"
                f"{_pct(m['oos_abstain']):>13}{_pct(m['false_abstain']):>15}{_pct(m['top1']):>7}"
            )
            if confirms:
                line += f"{_pct(m['confirm_rate']):>9}{_pct(m['confirm_correct']):>12}"
            click.echo(line)
    if trust.warning:
        click.echo(f"warning: {trust.warning}", err=True)
    if mistakes:
        for m in result.mistakes:
            click.echo(json.dumps(m, ensure_ascii=False), err=True)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


@kb.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_index_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write it (default: calibration.json in the index)",
)
@click.option("--all-questions", is_flag=True, help="fit on every line, not only the 'fit' split")
@click.option(
    "--also",
    "also",
    nargs=2,
    multiple=True,
    type=(click.Path(file_okay=False, exists=True), click.Path(dir_okay=False, exists=True)),
    metavar="INDEX FILE",
    help="fit on another KB too: its index and labelled questions (repeatable)",
)
@click.option(
    "--allow-few",
    is_flag=True,
    help="fit even with too few labelled questions to trust the result (a warning is printed)",
)
@click.pass_context
@_translate_errors
def calibrate(
    ctx: click.Context,
    file: Path,
    index: str | None,
    out: Path | None,
    all_questions: bool,
    also: tuple[tuple[str, str], ...],
    allow_few: bool,
) -> None:
    """Fit the confidence model on labelled questions (the 'fit' split of FILE)."""
    from knowledge.base import KnowledgeBase  # noqa: PLC0415
    from knowledge.calibration import INDEX_FILE, untrained  # noqa: PLC0415
    from knowledge.evaluate import (  # noqa: PLC0415
        EvalItem,
        evaluate,
        fit_calibration,
        read_questions,
        refit_trust,
    )

    settings = get_settings(ctx)
    index_path = _index(settings, index)

    def fit_part(path: Path) -> list[EvalItem]:
        lines = read_questions(path, need_expect=True)
        return lines if all_questions else [i for i in lines if i.split == "fit"]

    items = fit_part(file)
    # Fitting needs retrieval only: it must work while the current calibration is stale.
    more = [
        (KnowledgeBase.open(Path(other), settings, calibrator=untrained()), fit_part(Path(q)))
        for other, q in also
    ]
    trust = refit_trust([*items, *(i for _, group in more for i in group)])
    if trust.warning:
        if not allow_few:
            raise click.ClickException(
                f"{trust.warning} (--allow-few fits anyway; the shipped calibration is kept)"
            )
        click.echo(f"warning: {trust.warning}", err=True)
    base = KnowledgeBase.open(index_path, settings, calibrator=untrained())
    calibrator = fit_calibration(base, items, more)
    base = KnowledgeBase(
        base.retriever,
        calibrator,
        settings.kb_operating_point,
        operating_point_by_lang=settings.kb_operating_point_by_lang,
    )
    base.retriever.weights = calibrator.fusion
    if not all_questions:
        held_out = [i for i in read_questions(file, need_expect=True) if i.split == "test"]
        result = evaluate(base, held_out)
        calibrator.report["held_out"] = {
            "operating_point": settings.kb_operating_point,
            "operating_point_by_lang": settings.kb_operating_point_by_lang,
            "overall": result.overall,
            "by_lang": result.by_lang,
        }
        for n, ((other_kb, _), (other, q)) in enumerate(zip(more, also, strict=True)):
            other_kb.calibrator = calibrator
            other_kb.retriever.weights = calibrator.fusion
            other_kb.confirm_from = base.confirm_from  # the same rule as the figure above
            test = [i for i in read_questions(Path(q), need_expect=True) if i.split == "test"]
            other_result = evaluate(other_kb, test)
            calibrator.report[f"held_out_also_{n + 1}"] = {
                "index": Path(other).name,
                "overall": other_result.overall,
                "by_lang": other_result.by_lang,
            }
    target = out or index_path / INDEX_FILE
    calibrator.save(target)
    click.echo(f"calibration fitted on {trust.questions} questions -> {target}")
    click.echo(
        json.dumps(
            {
                k: calibrator.report[k]
                for k in ("fit_reliability", "held_out")
                if k in calibrator.report
            },
            indent=1,
        )
    )
