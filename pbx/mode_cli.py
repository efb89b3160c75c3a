"""``guichet mode [day|night|auto]``: the operators' override of the opening hours."""

from __future__ import annotations

import datetime as dt

import click

from guichet.commands import get_settings
from guichet.store import open_store
from ivr_flows.closures import current_closures
from ivr_flows.decision import Mode, RoutingDecision, Target, route
from ivr_flows.loader import flow_path, load_flow_for
from ivr_flows.mode import read_mode
from pbx.astdb import read_astdb, set_mode

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
@click.pass_context
def mode(ctx: click.Context, new_mode: str | None) -> None:
    """Set the routing mode (day, night, auto) or, without argument, show it and what
    the next call would get. Takes effect on the next call; kept across restarts."""
    settings = get_settings(ctx)
    flow = load_flow_for(settings)  # fail early on a bad flow, before changing anything
    store = open_store(settings.store_url)
    try:
        if new_mode is not None:
            mirrored = set_mode(settings, store, Mode(new_mode))
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
