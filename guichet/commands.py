"""What every sub-command shares with the CLI root, without importing it: the
settings the root loaded once (``--home``, the environment, ``guichet.toml``).

Sub-command modules (``pbx.runtime_cli``, ``knowledge.cli``…) import this, never
the shell, so that the arrows go from the shell to the packages and not back."""

from __future__ import annotations

import getpass

import click

from guichet.settings import Settings


def get_settings(ctx: click.Context) -> Settings:
    """The settings the ``guichet`` group put on the root context."""
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings


def cli_actor(by: str | None) -> str:
    """Who runs a command, for the audit rows: ``--by``, else the account running it."""
    if by:
        return f"cli:{by}"
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without one)
        return "cli"
