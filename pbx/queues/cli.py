"""``guichet queues show|login|logout|pause|unpause``: the queues, read and driven
live over AMI (the running Guichet needs not be this process)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from guichet.commands import get_settings
from guichet.settings import Settings
from pbx.ami import AmiConfig, ami_session
from pbx.queues.monitor import AgentControl, fetch_queue_state, format_queues, interface_for

T = TypeVar("T")


def _with_control(settings: Settings, use: Callable[[AgentControl], Awaitable[T]]) -> T:
    async def main() -> T:
        async with ami_session(AmiConfig.from_settings(settings)) as ami:
            return await use(AgentControl(ami))

    return asyncio.run(main())


@click.group()
def queues() -> None:
    """The reception and expert queues, and the agents logged in to them."""


@queues.command()
@click.option("--json", "as_json", is_flag=True, help="the full state as JSON")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Agents (logged in, paused, in call) and callers waiting, per queue."""
    state = asyncio.run(fetch_queue_state(get_settings(ctx)))
    if as_json:
        click.echo(json.dumps(state.summary(time.time()), indent=2, ensure_ascii=False))
        return
    # format_queues gives one line per queue, in name order
    for name, line in zip(sorted(state.queues), format_queues(state), strict=True):
        click.echo(line.strip())
        for member in state.queues[name].members.values():
            flags = [member.device.name.lower()]
            if member.paused:
                flags.append(
                    f"paused ({member.paused_reason})" if member.paused_reason else "paused"
                )
            if member.in_call:
                flags.append("in call")
            click.echo(f"    {member.interface} {member.name}: {', '.join(flags)}")


@queues.command()
@click.argument("agent")
@click.argument("queue")
@click.option("--name", help="name shown to supervisors (default: AGENT)")
@click.option("--paused", is_flag=True, help="log in paused")
@click.pass_context
def login(ctx: click.Context, agent: str, queue: str, name: str | None, paused: bool) -> None:
    """Log AGENT (a SIP account, e.g. 1001) in to QUEUE."""
    _with_control(get_settings(ctx), lambda c: c.login(agent, queue, name=name, paused=paused))
    click.echo(f"{interface_for(agent)} logged in to {queue}")


@queues.command()
@click.argument("agent")
@click.argument("queue", required=False)
@click.pass_context
def logout(ctx: click.Context, agent: str, queue: str | None) -> None:
    """Log AGENT out of QUEUE (default: out of every queue)."""
    settings = get_settings(ctx)
    if queue is not None:
        _with_control(settings, lambda c: c.logout(agent, queue))
        left = [queue]
    else:
        left = _with_control(settings, lambda c: c.logout_everywhere(agent))
    click.echo(f"{interface_for(agent)} logged out of {', '.join(left) or 'no queue'}")


@queues.command()
@click.argument("agent")
@click.argument("queue", required=False)
@click.option("--reason", default="", help="shown to supervisors, kept in the KPIs")
@click.pass_context
def pause(ctx: click.Context, agent: str, queue: str | None, reason: str) -> None:
    """Pause AGENT in QUEUE (default: in every queue)."""
    _with_control(get_settings(ctx), lambda c: c.pause(agent, queue, reason))
    click.echo(f"{interface_for(agent)} paused in {queue or 'every queue'}")


@queues.command()
@click.argument("agent")
@click.argument("queue", required=False)
@click.pass_context
def unpause(ctx: click.Context, agent: str, queue: str | None) -> None:
    """Unpause AGENT in QUEUE (default: in every queue)."""
    _with_control(get_settings(ctx), lambda c: c.unpause(agent, queue))
    click.echo(f"{interface_for(agent)} unpaused in {queue or 'every queue'}")
