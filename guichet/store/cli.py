"""``guichet db upgrade|current``."""

from __future__ import annotations

import click
from alembic import command

from guichet.commands import get_settings
from guichet.store.db import alembic_config, make_engine, migrate


@click.group()
def db() -> None:
    """The store (SQLite by default, PostgreSQL by URL)."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Apply the migrations."""
    engine = make_engine(get_settings(ctx).store_url)
    migrate(engine)
    click.echo("store at the latest schema")


@db.command()
@click.pass_context
def current(ctx: click.Context) -> None:
    """Show the store's schema revision."""
    engine = make_engine(get_settings(ctx).store_url)
    command.current(alembic_config(engine))
