"""The development Asterisk 22: Debian's package inside a Debian sid root.

Debian 12 has no ``asterisk`` package; sid has 22.x with every module Guichet
uses. The root is made once with ``debootstrap`` and shared by every data
directory that names it (``GUICHET_ASTERISK_ROOT``).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pbx.errors import AsteriskRuntimeError

log = logging.getLogger(__name__)

PACKAGES = (
    "asterisk",
    "asterisk-modules",
    "asterisk-core-sounds-en",
    "asterisk-core-sounds-fr-gsm",
    "asterisk-moh-opsound-gsm",
    "ca-certificates",
)
MARKER = "etc/guichet-root.json"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
APT_OPTS = ("-o", "Acquire::Check-Valid-Until=false", "-o", "Acquire::Retries=3")


@dataclass(frozen=True)
class ProvisionReport:
    root: Path
    created: bool
    seconds: float
    asterisk_version: str


def mirror_from_apt_sources(etc_apt: Path = Path("/etc/apt")) -> str:
    """The Debian mirror the machine itself uses (deb822 or one-line sources)."""
    candidates: list[Path] = []
    if (etc_apt / "sources.list").is_file():
        candidates.append(etc_apt / "sources.list")
    parts = etc_apt / "sources.list.d"
    if parts.is_dir():
        candidates.extend(sorted(parts.glob("*.sources")) + sorted(parts.glob("*.list")))
    for path in candidates:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r"^\s*URIs:\s*(\S+)", text, re.MULTILINE):
            if _is_debian_main_archive(match.group(1)):
                return match.group(1).rstrip("/")
        for match in re.finditer(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", text, re.MULTILINE):
            if _is_debian_main_archive(match.group(1)):
                return match.group(1).rstrip("/")
    return DEFAULT_MIRROR


def _is_debian_main_archive(uri: str) -> bool:
    return uri.rstrip("/").endswith("/debian")


def is_provisioned(root: Path) -> bool:
    return (root / MARKER).is_file() and (root / "usr/sbin/asterisk").exists()


def asterisk_version(root: Path) -> str:
    result = subprocess.run(
        ["chroot", str(root), "dpkg-query", "-W", "-f=${Version}", "asterisk"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    log.info("%s: %s", what, " ".join(cmd[:6]))
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise AsteriskRuntimeError(f"{what} failed ({result.returncode}):\n" + "\n".join(tail))


def provision(root: Path, mirror: str | None = None) -> ProvisionReport:
    """Make the root if it is not there yet; idempotent and safe to interrupt.

    The root is built next to its final place and renamed at the end, so an
    interrupted run leaves no half-made root behind that looks finished.
    """
    started = time.monotonic()
    if is_provisioned(root):
        _install_missing(root)
        return ProvisionReport(root, False, time.monotonic() - started, asterisk_version(root))
    if os.geteuid() != 0:
        raise AsteriskRuntimeError(
            "provisioning the Asterisk root needs root (debootstrap, chroot)"
        )
    if shutil.which("debootstrap") is None:
        raise AsteriskRuntimeError("debootstrap is not installed (apt-get install debootstrap)")
    mirror = mirror or mirror_from_apt_sources()
    partial = root.with_name(root.name + ".partial")
    if partial.exists():
        _unmount_all(partial)
        shutil.rmtree(partial)
    partial.parent.mkdir(parents=True, exist_ok=True)
    _run(
        ["debootstrap", "--variant=minbase", "sid", str(partial), mirror],
        f"debootstrap sid from {mirror}",
    )
    # No service may start inside the root while packages install.
    policy = partial / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
    policy.chmod(0o755)
    env = _chroot_env()
    _run(["chroot", str(partial), "apt-get", *APT_OPTS, "update"], "apt-get update (sid)", env)
    _run(
        [
            "chroot",
            str(partial),
            "apt-get",
            *APT_OPTS,
            "install",
            "-y",
            "--no-install-recommends",
            *PACKAGES,
        ],
        "apt-get install asterisk",
        env,
    )
    _run(["chroot", str(partial), "apt-get", "clean"], "apt-get clean", env)
    version = asterisk_version(partial)
    (partial / MARKER).write_text(
        f'{{"asterisk": "{version}", "mirror": "{mirror}"}}\n', encoding="utf-8"
    )
    if root.exists():
        shutil.rmtree(root)
    partial.rename(root)
    return ProvisionReport(root, True, time.monotonic() - started, version)


def _chroot_env() -> dict[str, str]:
    return {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "DEBIAN_FRONTEND": "noninteractive",
        "LC_ALL": "C",
    }


def _install_missing(root: Path) -> None:
    """A root made by an older Guichet gets the packages added since."""
    query = subprocess.run(
        ["chroot", str(root), "dpkg-query", "-W", "-f=${Package} ${Status}\n", *PACKAGES],
        capture_output=True,
        text=True,
        check=False,
    )
    installed = {
        line.split()[0]
        for line in query.stdout.splitlines()
        if line.endswith(" install ok installed")
    }
    missing = [pkg for pkg in PACKAGES if pkg not in installed]
    if not missing:
        return
    env = _chroot_env()
    _run(["chroot", str(root), "apt-get", *APT_OPTS, "update"], "apt-get update (sid)", env)
    _run(
        [
            "chroot",
            str(root),
            "apt-get",
            *APT_OPTS,
            "install",
            "-y",
            "--no-install-recommends",
            *missing,
        ],
        f"apt-get install {' '.join(missing)}",
        env,
    )
    _run(["chroot", str(root), "apt-get", "clean"], "apt-get clean", env)


def mounted_under(root: Path) -> list[Path]:
    """Mount points inside ``root``, deepest first."""
    prefix = str(root.resolve()).rstrip("/") + "/"
    points = []
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            point = line.split()[1].replace("\\040", " ")
            if point.startswith(prefix):
                points.append(Path(point))
    return sorted(points, key=lambda p: len(p.parts), reverse=True)


def _unmount_all(root: Path) -> None:
    for point in mounted_under(root):
        subprocess.run(["umount", "--lazy", str(point)], check=False)


def mount_runtime(root: Path) -> None:
    """proc and dev inside the root, as Asterisk needs them."""
    present = set(mounted_under(root))
    if root / "proc" not in present:
        _run(["mount", "-t", "proc", "proc", str(root / "proc")], "mount proc")
    if root / "dev" not in present:
        _run(["mount", "--bind", "/dev", str(root / "dev")], "mount dev")


def unmount_runtime(root: Path) -> None:
    _unmount_all(root)
