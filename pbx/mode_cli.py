"""``guichet mode [day|night|auto]``: the operators' override of the opening hours.

The change is stored and audited (``cli:<user>``) before anything else: a running
web app reads the stored mode's stamp once a period and tells its open wallboards,
naming who from that audit row (:mod:`pbx.mode_stamp`). Nothing here needs the
service to run, so the output is the same whether it does or not."""

from __future__ import annotations

import datetime as dt

import click

from guichet.commands import cli_actor, get_settings
from guichet.privacy.audit import MAX_ACTOR, audit
from guichet.store import open_store
from ivr_flows.closures import current_closures
from ivr_flows.decision import Mode, RoutingDecision, Target, route
from ivr_flows.loader import flow_path, load_flow_for
from ivr_flows.mode import read_mode, write_mode
from pbx.astdb import mirror_to_asterisk, read_astdb
from pbx.mode_stamp import MODE_ACTION, mode_object

_MEANING = {
    Mode.DAY: "day: calls go to reception as if open",
    Mode.NIGHT: "night: calls go to the voicebot as if closed",
    Mode.AUTO: "auto: the flow's opening hours decide",
}


def describe(decision: RoutingDecision) -> str:
    if decision.target is Target.RECEPTION_QUEUE:
        return (
            f"reception queue '{decision.queue}' ({decision.detail}); "
            "the voicebot if no agent is logged in"
        )
    text = f"voicebot ({decision.reason.value}: {decision.detail})"
    if decision.next_opening is not None:
        text += f", next opening {decision.next_opening:%A %d %B %H:%M}"
    return text


@click.command()
@click.argument("new_mode", required=False, type=click.Choice([m.value for m in Mode]))
@click.option("--by", help="who sets it (for the audit row); default: this account")
@click.pass_context
def mode(ctx: click.Context, new_mode: str | None, by: str | None) -> None:
    """Set the routing mode (day, night, auto) or, without argument, show it and what
    the next call would get. Takes effect on the next call; kept across restarts."""
    settings = get_settings(ctx)
    flow = load_flow_for(settings)  # fail early on a bad flow, before changing anything
    actor = cli_actor(by)
    if len(actor) > MAX_ACTOR:  # the audit would refuse it after the mode is stored
        raise click.BadParameter(f"at most {MAX_ACTOR - 4} characters", param_hint="--by")
    store = open_store(settings.store_url)
    try:
        if new_mode is not None:
            chosen = Mode(new_mode)
            # stored and audited first, back to back: the watcher names who from the
            # audit row; the mirror (Asterisk's CLI or AMI) may take a while
            write_mode(store, chosen)
            audit(store, actor, MODE_ACTION, mode_object(chosen))
            mirrored = mirror_to_asterisk(settings, chosen)
            where = "stored and set in Asterisk" if mirrored else "stored (Asterisk not running)"
            click.echo(f"mode {new_mode}: {where}")
        current = read_mode(store)
        now = dt.datetime.now(dt.UTC)
        closures = current_closures(store, now)  # added from the wallboard
    finally:
        store.close()
    click.echo(f"mode        {_MEANING[current]}")
    astdb = read_astdb(settings)
    if astdb is not None and astdb != current.value:
        click.echo(f"warning     Asterisk's AstDB says '{astdb}'; `guichet up` re-syncs it")
    click.echo(f"flow        {flow.name} ({flow_path(settings)})")
    decision = route(flow, now, current, agents_available=True, closures=closures)
    click.echo(f"next call   {describe(decision)}")
