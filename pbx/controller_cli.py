"""``guichet controller run``: the call controller alone, in the foreground."""

from __future__ import annotations

import asyncio

import click

from guichet.bus import InMemoryBus
from guichet.commands import get_settings
from guichet.runner import run_until_signal
from guichet.store import open_store
from pbx.service import serve_controller


@click.group()
def controller() -> None:
    """The ARI call controller."""


@controller.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the controller until SIGINT/SIGTERM (Asterisk must be running)."""
    settings = get_settings(ctx)
    store = open_store(settings.store_url)

    async def main() -> None:
        ready = asyncio.Event()

        async def announce() -> None:
            await ready.wait()
            click.echo("controller ready", err=False)

        await run_until_signal(serve_controller(settings, store, InMemoryBus(), ready), announce())

    try:
        asyncio.run(main())
    finally:
        store.close()
