"""``guichet privacy purge|export|erase|audit``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from guichet.commands import cli_actor, get_settings
from guichet.privacy.audit import audit_trail
from guichet.privacy.erase import erase_number
from guichet.privacy.export import export_number
from guichet.privacy.purge import purge as run_purge
from guichet.privacy.retention import RetentionPolicy
from guichet.store import Store, open_store


def _store(ctx: click.Context) -> Store:
    return open_store(get_settings(ctx).store_url)


_BY = click.option("--by", help="who asks (for the audit row); default: this account")


@click.group()
def privacy() -> None:
    """Personal data: retention purge, a citizen's export and erasure, the audit log."""


@privacy.command()
@_BY
@click.pass_context
def purge(ctx: click.Context, by: str | None) -> None:
    """Remove what is older than its retention limit (also run daily by `guichet up`)."""
    store = _store(ctx)
    try:
        purged = run_purge(
            store, RetentionPolicy.from_settings(get_settings(ctx)), actor=cli_actor(by)
        )
    finally:
        store.close()
    click.echo(f"purged: {purged.describe()}")


@privacy.command()
@click.argument("number")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the JSON here (readable by this account only) rather than on stdout",
)
@_BY
@click.pass_context
def export(ctx: click.Context, number: str, output: Path | None, by: str | None) -> None:
    """Everything held about NUMBER, as JSON (the citizen's right of access)."""
    store = _store(ctx)
    try:
        data = export_number(
            store,
            number,
            actor=cli_actor(by),
            policy=RetentionPolicy.from_settings(get_settings(ctx)),
        )
    finally:
        store.close()
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    # the export is personal data too: not left readable by others on the way out
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"written to {output}", err=True)


@privacy.command()
@click.argument("number")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@_BY
@click.pass_context
def erase(ctx: click.Context, number: str, yes: bool, by: str | None) -> None:
    """Erase what is held about NUMBER (the citizen's right to erasure). Cases stay
    for the statistics, without transcript, summary or number; pending callbacks to
    the number are cancelled."""
    if not yes:
        click.confirm(f"Erase everything held about {number}? This cannot be undone", abort=True)
    store = _store(ctx)
    try:
        erased = erase_number(store, number, actor=cli_actor(by))
    finally:
        store.close()
    if erased.nothing:
        click.echo("nothing held about this number")
        return
    click.echo(
        f"erased: {erased.cases} case(s) ({erased.turns} transcript lines), "
        f"{erased.callbacks} callback(s), {erased.sms} SMS, {erased.calls} call(s)"
    )


@privacy.command("audit")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--object", "about", help="only rows about this object (case:<id>…)")
@click.pass_context
def audit_log(ctx: click.Context, limit: int, about: str | None) -> None:
    """The latest audit rows: who read, exported, erased or purged what."""
    store = _store(ctx)
    try:
        rows = audit_trail(store, object=about, limit=limit)
    finally:
        store.close()
    for row in rows:
        at = row.at.isoformat(timespec="seconds")  # UTC, as stored
        click.echo(f"{at}  {row.actor:<20}  {row.action:<16}  {row.object}")
