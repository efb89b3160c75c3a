"""``guichet`` command line root. Sub-commands live with the package that owns them
and load lazily, so ``guichet status`` does not import speech models; they read the
settings through :func:`guichet.commands.get_settings`, never through this module."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from guichet.errors import GuichetError
from guichet.logs import setup_logging
from guichet.settings import load_settings

# name -> "module:attribute" of a click command or group
SUBCOMMANDS: dict[str, str] = {
    "asterisk": "pbx.runtime_cli:asterisk",
    "controller": "pbx.controller_cli:controller",
    "db": "guichet.store.cli:db",
    "up": "guichet.shell.up:up",
    "status": "guichet.shell.up:status",
    "kb": "knowledge.cli:kb",
    "voicebot": "voicebot.cli:voicebot",
    "callbacks": "guichet.casefile.cli:callbacks",
    "sms": "guichet.casefile.cli:sms",
    "queues": "pbx.queues.cli:queues",
    "mode": "pbx.mode_cli:mode",
    "privacy": "guichet.privacy.cli:privacy",
    "users": "guichet.shell.users:users",  # the accounts, then Asterisk follows
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
@click.option("--home", type=click.Path(), help="data directory (GUICHET_HOME)")
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """Guichet: the city hall's AI reception desk."""
    overrides: dict[str, Any] = {"home": home} if home else {}
    settings = load_settings(os.environ, overrides)
    setup_logging(settings.log_level)
    ctx.obj = settings


def main() -> None:
    try:
        cli(standalone_mode=True)
    except GuichetError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
