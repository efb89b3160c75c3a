"""The CLI root: every sub-command of the lazy table loads from its package and
reads the settings the root loaded (through the core, not the shell)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

from guichet.commands import get_settings
from guichet.shell.cli import SUBCOMMANDS, cli


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_sub_command_loads(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert isinstance(command, click.Command)
    assert command.help, f"guichet {name} has no help text"


def test_unknown_sub_command_is_refused() -> None:
    result = CliRunner().invoke(cli, ["nope"])
    assert result.exit_code == 2 and "No such command 'nope'" in result.output


@click.command()
@click.pass_context
def where(ctx: click.Context) -> None:
    """Where the data directory is."""
    click.echo(get_settings(ctx).home_dir)


def test_sub_commands_read_the_settings_the_root_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SUBCOMMANDS, "where", f"{__name__}:where")
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "where"], env={})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(tmp_path.resolve())


def test_the_faces_the_shell_wires_from_resolve_to_their_objects() -> None:
    """``pbx`` loads its face lazily; every name must come out as the function, not
    as a same-named submodule or nothing."""
    for package in ("pbx", "ivr_flows", "guichet"):
        face = importlib.import_module(package)
        for name in face.__all__:
            value = getattr(face, name)
            assert not isinstance(value, ModuleType), f"{package}.{name} is a module"
