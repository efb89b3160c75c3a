"""Guichet pointed at an Asterisk it does not run (``asterisk_mode = "external"``):
it talks to it over ARI and AMI, and never starts, stops or chroots anything."""

from __future__ import annotations

import subprocess

import pytest

from tests.integration.stack import GUICHET, Stack

pytestmark = pytest.mark.asterisk


def guichet(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = stack.env(asterisk_mode="external")
    return subprocess.run(
        [GUICHET, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_status_and_cli_over_ari_and_ami(stack: Stack) -> None:
    status = guichet(stack, "asterisk", "status")
    assert status.returncode == 0, status.stderr
    assert "external Asterisk 22." in status.stdout
    version = guichet(stack, "asterisk", "cli", "core show version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("Asterisk 22.")


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
