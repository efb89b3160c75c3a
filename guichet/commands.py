"""What every sub-command shares with the CLI root, without importing it: the
settings the root loaded once (``--home``, the environment, ``guichet.toml``).

Sub-command modules (``pbx.runtime_cli``, ``knowledge.cli``…) import this, never
the shell, so that the arrows go from the shell to the packages and not back."""

from __future__ import annotations

import click

from guichet.settings import Settings


def get_settings(ctx: click.Context) -> Settings:
    """The settings the ``guichet`` group put on the root context."""
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings
