"""``guichet users add|list|disable|reset-password``: the desk's accounts.

A generated password is printed once, to hand to its person (or one is read from
standard input with ``--password-stdin``); ``list`` never prints a secret. On a
fresh data directory the first admin (``admin``, password in secrets.json) is made
first, as ``guichet up`` does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from guichet.accounts.errors import AccountError
from guichet.accounts.model import LANGUAGES, ROLES
from guichet.accounts.repository import AccountRepository, ensure_first_admin
from guichet.commands import get_settings
from guichet.secrets_store import load_or_create_secrets
from guichet.settings import Settings
from guichet.store import Store, open_store

# the queue every agent answers; the others are the experts' services
RECEPTION = "reception"


def _store(settings: Settings) -> Store:
    store = open_store(settings.store_url)
    ensure_first_admin(store, load_or_create_secrets(settings.home_dir, []).admin_password)
    return store


@contextmanager
def _accounts(settings: Settings) -> Iterator[AccountRepository]:
    """The accounts, on a store closed afterwards; an :class:`AccountError` is the
    command's error message."""
    store = _store(settings)
    try:
        yield AccountRepository(store)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()


def _password_from_stdin(wanted: bool) -> str | None:
    if not wanted:
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.UsageError("--password-stdin: no password on standard input")
    return line


def _show_once(password: str, *, given: str | None) -> None:
    """A generated password (never one given on standard input)."""
    if given is None:
        click.echo(f"password: {password}  (shown once: hand it to its person)")


@click.group()
def users() -> None:
    """The desk's accounts: agents, experts, supervisors, admins."""


@users.command()
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", default="", help="shown on screen; default: username")
@click.option(
    "--service", "services", multiple=True, help="an expert's service (repeat for several)"
)
@click.option("--language", type=click.Choice(LANGUAGES), default="fr", show_default=True)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.pass_context
def add(
    ctx: click.Context,
    username: str,
    role: str,
    display_name: str,
    services: tuple[str, ...],
    language: str,
    password_stdin: bool,
) -> None:
    """Make an account; prints its generated password once."""
    settings = get_settings(ctx)
    password = _password_from_stdin(password_stdin)
    with _accounts(settings) as accounts:
        made = accounts.add(
            username,
            role,
            display_name=display_name,
            services=services,
            language=language,
            password=password,
            known_services=[q for q in settings.queues if q != RECEPTION],
        )
    click.echo(f"added {made.account.username} ({made.account.role})")
    _show_once(made.password, given=password)


@users.command(name="list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """The accounts (never their secrets)."""
    with _accounts(get_settings(ctx)) as accounts:
        listed = accounts.list()
    for a in listed:
        services = ",".join(a.services) or "-"
        state = "disabled" if a.disabled else "active"
        click.echo(
            f"{a.username:<20} {a.role:<10} {services:<24} {a.language}  {state}  {a.display_name}"
        )


@users.command()
@click.argument("username")
@click.pass_context
def disable(ctx: click.Context, username: str) -> None:
    """Refuse the account's logins from now on; ends its web sessions."""
    with _accounts(get_settings(ctx)) as accounts:
        accounts.disable(username)
    click.echo(f"disabled {username}")


@users.command(name="reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.pass_context
def reset_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """A new password (printed once unless given) and a new SIP secret; lifts a
    lock-out and ends the account's web sessions."""
    password = _password_from_stdin(password_stdin)
    with _accounts(get_settings(ctx)) as accounts:
        made = accounts.reset_password(username, password)
    click.echo(f"reset {made.account.username}: new password and SIP secret")
    _show_once(made.password, given=password)
