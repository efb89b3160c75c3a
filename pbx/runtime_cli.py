"""``guichet asterisk provision|start|stop|status|cli``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from guichet.commands import get_settings
from pbx import asterisk_root
from pbx.asterisk_config import RenderContext, render_all, stored_desk_endpoints, write_config
from pbx.asterisk_process import load_secrets, make_runtime


@click.group()
def asterisk() -> None:
    """The Asterisk 22 that carries the calls."""


@asterisk.command()
@click.pass_context
def provision(ctx: click.Context) -> None:
    """Make the Debian sid root with Asterisk 22 (once; reused afterwards)."""
    settings = get_settings(ctx)
    if settings.asterisk_mode == "external":
        click.echo("external Asterisk: nothing to provision")
        return
    root = settings.asterisk_root_dir
    if not asterisk_root.is_provisioned(root):
        click.echo(f"provisioning Asterisk root at {root} (about a minute, ~650 MB)…")
    report = asterisk_root.provision(root, settings.debian_mirror)
    verb = "provisioned" if report.created else "already provisioned"
    click.echo(f"{verb}: {root} (asterisk {report.asterisk_version}, {report.seconds:.1f} s)")


@asterisk.command()
@click.pass_context
def start(ctx: click.Context) -> None:
    """Render the configuration and start Asterisk; returns once fully booted."""
    runtime = make_runtime(get_settings(ctx))
    runtime.start()
    click.echo(runtime.status().detail)


@asterisk.command()
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop Asterisk and unmount what start mounted."""
    make_runtime(get_settings(ctx)).stop()
    click.echo("stopped")


@asterisk.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Exit 0 when Asterisk is running."""
    state = make_runtime(get_settings(ctx)).status()
    click.echo(state.detail)
    sys.exit(0 if state.running else 3)


@asterisk.command()
@click.argument("command")
@click.pass_context
def cli(ctx: click.Context, command: str) -> None:
    """Run one Asterisk CLI command, e.g. "pjsip show endpoints", on the Asterisk
    Guichet runs (``asterisk -rx`` on its control socket, as root). Not on an external
    Asterisk: Guichet's AMI account may not run CLI commands; run them on its host."""
    click.echo(make_runtime(get_settings(ctx)).cli(command), nl=False)


@asterisk.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option(
    "--instance-dir",
    default="/var/lib/asterisk-guichet",
    show_default=True,
    help="where that Asterisk keeps its AstDB, spool, run and log directories",
)
@click.option(
    "--module-dir",
    default="/usr/lib/x86_64-linux-gnu/asterisk/modules",
    show_default=True,
)
@click.pass_context
def render(ctx: click.Context, out_dir: str, instance_dir: str, module_dir: str) -> None:
    """Write the configuration for an Asterisk you run yourself (with the generated
    secrets), e.g. the compose service. Its asterisk.conf expects OUT_DIR to be
    mounted at <instance-dir>/etc."""
    settings = get_settings(ctx)
    ctx_ = RenderContext(instance_dir, module_dir)
    files = render_all(settings, load_secrets(settings), ctx_, stored_desk_endpoints(settings))
    target = Path(out_dir)
    write_config(files, target, os.getuid(), os.getgid())
    click.echo(f"wrote {len(files)} files to {target}")
