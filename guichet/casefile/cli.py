"""``guichet callbacks list|done|fail`` and ``guichet sms send-pending|list``."""

from __future__ import annotations

import asyncio
import json
from zoneinfo import ZoneInfo

import click

from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.outbox import OutboxPolicy, SmsOutbox
from guichet.casefile.phone_numbers import format_national
from guichet.casefile.records import CallbackRecord, CallbackStatus, SmsStatus
from guichet.casefile.sms import describe_sms, make_sms_engine
from guichet.commands import get_settings
from guichet.store import open_store


def _book(ctx: click.Context) -> CallbackBook:
    settings = get_settings(ctx)
    return CallbackBook.from_settings(open_store(settings.store_url), settings)


def _as_json(record: CallbackRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "reference": record.reference,
        "case_id": record.case_id,
        "number": record.number,
        "service": record.service,
        "language": record.language,
        "requested_at": record.requested_at.isoformat(),
        "due_by": record.due_by.isoformat(),
        "status": record.status.value,
        "done_at": record.done_at.isoformat() if record.done_at else None,
        "done_by": record.done_by,
        "note": record.note,
    }


@click.group()
def callbacks() -> None:
    """Callbacks the city promised (the web UI comes later)."""


@callbacks.command("list")
@click.option(
    "--status", type=click.Choice([s.value for s in CallbackStatus]), help="only this status"
)
@click.option("--json", "as_json", is_flag=True, help="one JSON array, for scripts")
@click.pass_context
def list_callbacks(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """Callbacks, soonest due first."""
    book = _book(ctx)
    rows = asyncio.run(book.list_callbacks(status=status))
    if as_json:
        click.echo(json.dumps([_as_json(r) for r in rows], ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo("no callbacks")
        return
    tz: ZoneInfo = book.tz
    for r in rows:
        click.echo(
            f"{r.reference}  {r.status.value:<11}  due {r.due_by.astimezone(tz):%Y-%m-%d %H:%M}"
            f"  {format_national(r.number):<16}  {r.service or '-':<14}  {r.id}"
        )


@callbacks.command()
@click.argument("callback_id")
@click.option("--note", help="what was said or done")
@click.option("--by", "done_by", help="who called back")
@click.pass_context
def done(ctx: click.Context, callback_id: str, note: str | None, done_by: str | None) -> None:
    """Mark a callback done. CALLBACK_ID is its id or its reference (CB-…)."""
    record = asyncio.run(_book(ctx).done(callback_id, by=done_by, note=note))
    click.echo(f"{record.reference} done")


@callbacks.command()
@click.argument("callback_id")
@click.option("--note", help="why it failed")
@click.option("--by", "done_by", help="who tried")
@click.pass_context
def fail(ctx: click.Context, callback_id: str, note: str | None, done_by: str | None) -> None:
    """Give a callback up (no answer, wrong number…)."""
    record = asyncio.run(_book(ctx).fail(callback_id, by=done_by, note=note))
    click.echo(f"{record.reference} failed")


@click.group()
def sms() -> None:
    """The SMS outbox."""


@sms.command("send-pending")
@click.pass_context
def send_pending(ctx: click.Context) -> None:
    """Send what is due in the outbox, once."""
    settings = get_settings(ctx)
    outbox = SmsOutbox(
        open_store(settings.store_url),
        make_sms_engine(settings),
        OutboxPolicy.from_settings(settings),
    )
    click.echo(describe_sms(settings))
    run = asyncio.run(outbox.run_once())
    click.echo(
        f"sent {run.sent}, already sent {run.reconciled}, to retry {run.retried}, "
        f"failed {run.failed}"
    )


@sms.command("list")
@click.option("--status", type=click.Choice([s.value for s in SmsStatus]))
@click.pass_context
def list_sms(ctx: click.Context, status: str | None) -> None:
    """Outbox rows, newest first (no numbers or texts: ids, states, errors)."""
    settings = get_settings(ctx)
    outbox = SmsOutbox(open_store(settings.store_url), make_sms_engine(settings))
    for r in asyncio.run(outbox.list(status=status)):
        click.echo(
            f"{r.id}  {r.status.value:<7}  attempts {r.attempts}  {r.provider_sid or '-'}"
            f"  {r.last_error or ''}"
        )
