"""The real Guichet stack for integration tests: Asterisk 22 from the provisioned
root, on test ports in a throw-away data directory, so a developer's running
``make run`` is not disturbed."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from guichet.settings import Settings, load_settings
from pbx.asterisk_process import ChrootAsterisk
from pbx.asterisk_root import is_provisioned
from tests.support.processes import WatchedProcess

REPO = Path(__file__).resolve().parents[2]
GUICHET = str(Path(sys.executable).parent / "guichet")

# GUICHET_TEST_PORT_OFFSET lets two test runs share a machine.
_OFFSET = int(os.environ.get("GUICHET_TEST_PORT_OFFSET", "0"))
TEST_PORTS = {
    "sip_port": str(25060 + _OFFSET),
    "http_port": str(28088 + _OFFSET),
    "ami_port": str(25038 + _OFFSET),
    "web_port": str(28080 + _OFFSET),
    # the controller-down dialplan's FastAGI server (4573 by default): shifted too, or
    # two parallel stacks (and a developer's ``guichet up``) answer each other's AGI
    "agi_port": str(24573 + _OFFSET),
    "rtp_start": str(22000 + 10 * _OFFSET),
    "rtp_end": str(22999 + 10 * _OFFSET),
}


def shared_asterisk_root() -> Path:
    """The root ``make test`` provisioned (``GUICHET_ASTERISK_ROOT``, else under
    ``GUICHET_HOME``, else the checkout's ``.guichet``)."""
    if root := os.environ.get("GUICHET_ASTERISK_ROOT"):
        return Path(root)
    home = Path(os.environ.get("GUICHET_HOME", REPO / ".guichet"))
    return home / "asterisk-root"


def shared_models_dir() -> Path:
    """The speech models ``make test`` assembled (under the checkout's data directory)."""
    if models := os.environ.get("GUICHET_MODELS_DIR"):
        return Path(models)
    return Path(os.environ.get("GUICHET_HOME", REPO / ".guichet")) / "models"


def stack_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env["GUICHET_HOME"] = str(home)
    env["GUICHET_ASTERISK_ROOT"] = str(shared_asterisk_root())
    env["GUICHET_MODELS_DIR"] = str(shared_models_dir())
    for key, value in {**TEST_PORTS, **extra}.items():
        env[f"GUICHET_{key.upper()}"] = value
    return env


@dataclass
class Stack:
    home: Path
    settings: Settings
    asterisk: ChrootAsterisk
    base_env: dict[str, str] = field(default_factory=dict)  # GUICHET_* every command gets

    @property
    def sip_host(self) -> str:
        return self.settings.sip_bind_host

    @property
    def sip_port(self) -> int:
        return self.settings.sip_port

    @property
    def sounds_dir(self) -> Path:
        return self.settings.asterisk_root_dir / "usr/share/asterisk/sounds"

    @property
    def secrets_path(self) -> Path:
        return self.home / "secrets.json"

    def sip_target(self, exten: str) -> str:
        return f"{exten}@{self.sip_host}:{self.sip_port}"

    def env(self, **extra: str) -> dict[str, str]:
        return stack_env(self.home, **{**self.base_env, **extra})

    async def start_controller(self, **extra: str) -> WatchedProcess:
        proc = await WatchedProcess([GUICHET, "controller", "run"], self.env(**extra)).start()
        await proc.wait_for_line(r"controller ready", timeout=60)
        return proc

    def guichet(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        """Run a ``guichet`` command against this stack (``mode night``, ``kb ingest``…)."""
        return subprocess.run(
            [GUICHET, *args], env=self.env(**extra), capture_output=True, text=True, check=True
        )


def start_stack(home: Path, **base_env: str) -> Stack:
    root = shared_asterisk_root()
    if not is_provisioned(root):
        raise RuntimeError(
            f"no provisioned Asterisk root at {root}: `make test` provisions it "
            "(guichet asterisk provision)"
        )
    settings = load_settings(stack_env(home, **base_env))
    asterisk = ChrootAsterisk(settings)
    asterisk.start()
    return Stack(home, settings, asterisk, dict(base_env))
