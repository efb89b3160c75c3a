"""The day/night mode mirrored into AstDB, and ``guichet mode``, against a stand-in
for the Asterisk runtime, and for an external Asterisk's AMI."""

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from guichet.settings import Settings, load_settings
from guichet.store import open_store
from ivr_flows.decision import Mode
from ivr_flows.errors import ModeError
from ivr_flows.mode import read_mode
from pbx import astdb
from pbx.astdb import set_mode, sync_astdb
from pbx.asterisk_process import AsteriskStatus
from pbx.mode_cli import mode
from tests.support.fake_ami import running_fake_ami


class FakeAsterisk:
    """Stands in for the runtime: keeps an AstDB and answers like the CLI does."""

    def __init__(self, running: bool = True) -> None:
        self.running = running
        self.astdb: dict[str, str] = {}
        self.commands: list[str] = []

    def status(self) -> AsteriskStatus:
        return AsteriskStatus(self.running, "fake")

    def cli(self, command: str) -> str:
        self.commands.append(command)
        words = command.split()
        if words[:2] == ["database", "put"]:
            self.astdb[f"/{words[2]}/{words[3]}"] = words[4]
            return "Updated database successfully\n"
        return f"Value: {self.astdb.get(f'/{words[2]}/{words[3]}', '')}\n"


@pytest.fixture
def asterisk(monkeypatch: pytest.MonkeyPatch) -> FakeAsterisk:
    fake = FakeAsterisk()
    monkeypatch.setattr(astdb, "make_runtime", lambda _settings: fake)
    return fake


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({}, {"home": str(tmp_path)})


def test_set_mode_stores_and_mirrors_into_astdb(settings: Settings, asterisk: FakeAsterisk) -> None:
    store = open_store(settings.store_url)
    assert set_mode(settings, store, Mode.NIGHT) is True
    assert asterisk.astdb == {"/guichet/mode": "night"}
    assert read_mode(store) is Mode.NIGHT
    store.close()


def test_mode_set_while_asterisk_is_down_is_synced_at_start(
    settings: Settings, asterisk: FakeAsterisk
) -> None:
    store = open_store(settings.store_url)
    asterisk.running = False
    assert set_mode(settings, store, Mode.DAY) is False
    assert asterisk.astdb == {}
    asterisk.running = True
    assert sync_astdb(settings, store) is Mode.DAY
    assert asterisk.astdb == {"/guichet/mode": "day"}
    store.close()


def test_a_refusing_asterisk_is_reported(
    settings: Settings, asterisk: FakeAsterisk, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(settings.store_url)
    monkeypatch.setattr(asterisk, "cli", lambda _command: "No such command\n")
    with pytest.raises(ModeError, match="mode stored, but Asterisk answered"):
        set_mode(settings, store, Mode.NIGHT)
    assert read_mode(store) is Mode.NIGHT  # the store is the truth
    store.close()


def test_guichet_mode_command(settings: Settings, asterisk: FakeAsterisk) -> None:
    runner = CliRunner()
    shown = runner.invoke(mode, [], obj=settings)
    assert shown.exit_code == 0, shown.output
    assert "mode        auto" in shown.output and "next call" in shown.output
    night = runner.invoke(mode, ["night"], obj=settings)
    assert night.exit_code == 0, night.output
    assert "mode night: stored and set in Asterisk" in night.output
    assert "next call   voicebot (forced_night" in night.output
    assert asterisk.astdb == {"/guichet/mode": "night"}
    assert runner.invoke(mode, ["dusk"], obj=settings).exit_code == 2


async def test_an_external_asterisk_gets_the_mode_through_astdb_actions(
    tmp_path: Path, asterisk: FakeAsterisk
) -> None:
    """Guichet's AMI account has no "command" right (issue 10): the mode goes through
    DBPut and is read back through DBGet, never through a CLI command."""

    def no_cli(command: str) -> str:
        raise AssertionError(f"CLI used on an external Asterisk: {command}")

    asterisk.cli = no_cli  # type: ignore[method-assign]
    async with running_fake_ami() as ami:
        settings = load_settings(
            {},
            {"home": str(tmp_path), "asterisk_mode": "external", "ami_port": ami.port,
             "ami_user": "u", "ami_password": ami.secret},
        )  # fmt: skip
        store = open_store(settings.store_url)
        # a worker thread, as `guichet up` syncs it: its own loop, beside the fake's
        assert await asyncio.to_thread(set_mode, settings, store, Mode.NIGHT) is True
        assert ami.astdb == {("guichet", "mode"): "night"}
        assert await asyncio.to_thread(astdb.read_astdb, settings) == "night"
        store.close()
    assert "Command" not in ami.actions and {"DBPut", "DBGet"} <= set(ami.actions)
