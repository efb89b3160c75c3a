"""Guichet pointed at an Asterisk it does not run (``asterisk_mode = "external"``):
it talks to it over ARI and AMI, and never starts, stops or chroots anything."""

from __future__ import annotations

import subprocess

import pytest

from pbx.ami import AmiActionFailed, AmiConfig, ami_session
from tests.integration.stack import GUICHET, Stack

pytestmark = pytest.mark.asterisk


def guichet(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = stack.env(asterisk_mode="external")
    return subprocess.run(
        [GUICHET, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_status_over_ari_and_no_cli_over_ami(stack: Stack) -> None:
    status = guichet(stack, "asterisk", "status")
    assert status.returncode == 0, status.stderr
    assert "external Asterisk 22." in status.stdout
    # Guichet's AMI account may not run CLI commands (issue 10): said in one line
    version = guichet(stack, "asterisk", "cli", "core show version")
    assert version.returncode == 1
    assert "asterisk -rx 'core show version'" in version.stderr
    assert "Traceback" not in version.stderr


def test_the_mode_reaches_astdb_through_ami_actions(stack: Stack) -> None:
    """DBPut/DBGet under the account's "system" class; before, a CLI command over AMI
    (the "command" class the account no longer has)."""
    night = guichet(stack, "mode", "night")
    assert night.returncode == 0, night.stderr
    assert "stored and set in Asterisk" in night.stdout
    assert "Value: night" in stack.asterisk.cli("database get guichet mode")
    shown = guichet(stack, "mode")
    assert shown.returncode == 0, shown.stderr
    assert "night" in shown.stdout
    assert guichet(stack, "mode", "auto").returncode == 0
    assert "Value: auto" in stack.asterisk.cli("database get guichet mode")


def test_stop_leaves_an_external_asterisk_running(stack: Stack) -> None:
    assert guichet(stack, "asterisk", "stop").returncode == 0
    assert stack.asterisk.status().running


def test_wrong_password_is_reported(stack: Stack) -> None:
    env = stack.env(asterisk_mode="external", ari_password="not-the-password")
    status = subprocess.run(
        [GUICHET, "asterisk", "status"], env=env, capture_output=True, text=True, check=False
    )
    assert status.returncode != 0
    assert "ARI answered 401" in status.stdout


async def test_the_ami_account_may_not_run_cli_commands(stack: Stack) -> None:
    """Asterisk itself refuses the account a CLI command (no "command" write class),
    and grants it the AstDB actions the mode needs (issue 10)."""
    async with ami_session(AmiConfig.from_settings(stack.settings)) as ami:
        with pytest.raises(AmiActionFailed, match="Permission denied"):
            await ami.action({"Action": "Command", "Command": "core show version"})
        await ami.db_put("guichet-test", "rights", "ok")
        assert await ami.db_get("guichet-test", "rights") == "ok"
        assert await ami.db_get("guichet-test", "absent") is None
