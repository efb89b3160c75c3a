"""``guichet users``, as the command line runs it: the accounts' commands
(:mod:`guichet.accounts.cli`, core), then, after one that changes an account, the
running Asterisk's endpoints follow (:func:`pbx.softphone_endpoints.refresh_endpoints`):
a new agent can register at once, a disabled one no longer can, a reset SIP secret
replaces the old one. Wired here, in the shell, because core must not import pbx."""

from __future__ import annotations

from typing import Any

import click

from guichet.accounts.cli import users as account_commands
from guichet.commands import get_settings
from guichet.errors import GuichetError
from pbx.softphone_endpoints import refresh_endpoints

# the sub-commands after which Asterisk's endpoints must change
CHANGES_ENDPOINTS = frozenset({"add", "disable", "reset-password"})


def _after(_result: Any, **_params: Any) -> None:
    ctx = click.get_current_context()  # the group's: which sub-command ran
    if ctx.invoked_subcommand not in CHANGES_ENDPOINTS:
        return
    try:
        click.echo(refresh_endpoints(get_settings(ctx)))
    except GuichetError as exc:
        # the account is changed in the store: say what Asterisk still lacks, and how
        # to catch up (the next start renders the accounts anyway)
        raise click.ClickException(
            f"account saved, but Asterisk's endpoints were not reloaded: {exc} "
            "(they follow at Asterisk's next start)"
        ) from exc


users = click.Group(
    name="users",
    commands=account_commands.commands,
    help=account_commands.help,
    result_callback=_after,
)
