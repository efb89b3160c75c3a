"""The development Asterisk 22: Debian's package inside a Debian sid root.

Debian 12 has no ``asterisk`` package; sid has 22.x with every module Guichet
uses. The root is made once with ``debootstrap`` and shared by every data
directory that names it (``GUICHET_ASTERISK_ROOT``).
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import itertools
import logging
import os
import pwd
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
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
        ensure_private_ids(root)  # a root made before the ids were chosen is fixed here
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
    ensure_private_ids(partial)
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


# --- the asterisk user's ids (hardening) ---
# Debian's package makes the asterisk user with the next free system id *inside the
# root* (101 here), which the host may well give to one of its own accounts (here the
# host's postgres): files Asterisk writes (its AstDB, logs) would then belong to that
# host account, and a process of that account could read them or signal Asterisk. The
# root's asterisk user and group get ids the host does not use instead, from a range
# no allocator hands out: 65536-524287 is left unused by adduser (system ids < 1000,
# users < 60000) and by systemd (homed, DynamicUser and nspawn ranges); the
# subordinate ids of /etc/subuid and /etc/subgid (user namespaces) are avoided too.
PRIVATE_IDS = range(70000, 100000)
IDS_LOCK = "etc/.guichet-ids.lock"


@dataclass(frozen=True)
class AsteriskIds:
    uid: int
    gid: int
    remapped_from: tuple[int, int] | None = None  # the ids it had before, if changed
    deferred: str = ""  # why a needed re-map did not happen now


def host_uid_taken(uid: int) -> bool:
    """True when the host has an account with this uid (its own NSS view)."""
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def host_gid_taken(gid: int) -> bool:
    try:
        grp.getgrgid(gid)
    except KeyError:
        return False
    return True


def _subordinate_ranges(path: Path) -> list[range]:
    ranges = []
    with contextlib.suppress(OSError):
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = line.strip().split(":")
            if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
                ranges.append(range(int(fields[1]), int(fields[1]) + int(fields[2])))
    return ranges


def _read_table(path: Path) -> list[list[str]]:
    return [line.split(":") for line in path.read_text(encoding="utf-8").splitlines() if line]


def _write_table(path: Path, rows: list[list[str]]) -> None:
    """Replace an /etc/passwd-like file at once, keeping its owner and mode (gshadow is
    root:shadow 0640)."""
    info = path.stat()
    tmp = path.with_name(f".{path.name}.guichet-tmp")
    tmp.write_text("".join(":".join(row) + "\n" for row in rows), encoding="utf-8")
    os.chown(tmp, info.st_uid, info.st_gid)
    tmp.chmod(stat.S_IMODE(info.st_mode))
    os.replace(tmp, path)


def asterisk_ids(root: Path) -> tuple[int, int]:
    """The asterisk user's uid and primary gid inside ``root``."""
    for fields in _read_table(root / "etc/passwd"):
        if fields[0] == "asterisk" and len(fields) >= 4:
            return int(fields[2]), int(fields[3])
    raise AsteriskRuntimeError(f"{root} has no asterisk user")


def _other_memberships(root: Path) -> list[str]:
    """Groups other than its own that list asterisk (Debian adds dialout and audio:
    serial and sound devices, which Guichet does not use; /dev is the host's)."""
    return [
        fields[0]
        for fields in _read_table(root / "etc/group")
        if len(fields) >= 4 and fields[0] != "asterisk" and "asterisk" in fields[3].split(",")
    ]


def _processes_in(root: Path) -> list[int]:
    """Pids of the processes whose root directory is ``root`` (chroot'ed into it)."""
    target = str(root.resolve())
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(entry / "root") == target:
                    pids.append(int(entry.name))
    return pids


def _instance_dir_of(pid: int) -> str | None:
    """``var/lib/guichet/<instance>`` for an Asterisk (or ``asterisk -rx``) started by
    pbx.asterisk_process (``-C /var/lib/guichet/<instance>/etc/asterisk.conf``)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    for flag, value in itertools.pairwise(argv):
        match = re.fullmatch(rb"/(var/lib/guichet/[0-9a-f]+)/etc/asterisk\.conf", value)
        if flag == b"-C" and match:
            return match.group(1).decode()
    return None


def _busy_instances(root: Path) -> tuple[set[str], bool]:
    """The instance directories in use by processes in ``root``, and whether some
    process there belongs to no instance (then nothing in the root may be re-owned)."""
    dirs: set[str] = set()
    unknown = False
    for pid in _processes_in(root):
        inst = _instance_dir_of(pid)
        if inst is None:
            unknown = True
        else:
            dirs.add(inst)
    return dirs, unknown


@contextlib.contextmanager
def _ids_lock(root: Path) -> Iterator[None]:
    # two `guichet` processes starting Asterisk from one root at once re-map it once
    with open(root / IDS_LOCK, "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _free_ids(
    root: Path, uid_taken: Callable[[int], bool], gid_taken: Callable[[int], bool]
) -> int:
    """The first id of PRIVATE_IDS free as a uid and as a gid, on the host and in the
    root, and outside the subordinate ranges."""
    root_uids = {int(f[2]) for f in _read_table(root / "etc/passwd") if len(f) >= 3}
    root_gids = {int(f[2]) for f in _read_table(root / "etc/group") if len(f) >= 3}
    sub = _subordinate_ranges(Path("/etc/subuid")) + _subordinate_ranges(Path("/etc/subgid"))
    for candidate in PRIVATE_IDS:
        if (
            candidate not in root_uids
            and candidate not in root_gids
            and not any(candidate in r for r in sub)
            and not uid_taken(candidate)
            and not gid_taken(candidate)
        ):
            return candidate
    raise AsteriskRuntimeError(f"no free id for the asterisk user in {PRIVATE_IDS}")


def _rewrite_account(root: Path, uid: int, gid: int) -> None:
    passwd = _read_table(root / "etc/passwd")
    for fields in passwd:
        if fields[0] == "asterisk":
            fields[2], fields[3] = str(uid), str(gid)
    _write_table(root / "etc/passwd", passwd)
    for name in ("etc/group", "etc/gshadow"):
        path = root / name
        if not path.exists():
            continue
        rows = _read_table(path)
        for fields in rows:
            if fields[0] == "asterisk" and name == "etc/group":
                fields[2] = str(gid)
            elif fields[0] != "asterisk" and len(fields) >= 4:
                fields[3] = ",".join(m for m in fields[3].split(",") if m and m != "asterisk")
        _write_table(path, rows)


def _reown_tree(root: Path, old: tuple[int, int], new: tuple[int, int], skip: set[Path]) -> int:
    """Give ``new`` every file in ``root`` owned by ``old`` (user and group apart),
    staying on the root's own file system: /proc and the host's /dev mounted there are
    not the root's. Returns how many entries changed."""
    skip = skip | set(mounted_under(root))
    device = root.lstat().st_dev
    changed = 0

    def reown(path: Path) -> None:
        nonlocal changed
        info = path.lstat()
        if info.st_dev != device:
            return
        uid = new[0] if info.st_uid == old[0] else -1
        gid = new[1] if info.st_gid == old[1] else -1
        if uid == -1 and gid == -1:
            return
        os.chown(path, uid, gid, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and info.st_mode & (stat.S_ISUID | stat.S_ISGID):
            os.chmod(path, stat.S_IMODE(info.st_mode))  # chown cleared the set-id bits
        changed += 1

    reown(root)
    for current, dirnames, filenames in os.walk(root):
        here = Path(current)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in dirnames + filenames:
            reown(here / name)
    return changed


def ensure_private_ids(
    root: Path,
    *,
    uid_taken: Callable[[int], bool] = host_uid_taken,
    gid_taken: Callable[[int], bool] = host_gid_taken,
) -> AsteriskIds:
    """Give the root's asterisk user and group ids no host account or group has, and
    no supplementary group, re-owning the root's files accordingly. Idempotent.

    Files of instances whose Asterisk runs now are left alone (that Asterisk keeps
    its old ids until it stops; pbx.asterisk_process re-owns an instance's files when
    it starts it). A process in the root that belongs to no instance (a shell, dpkg)
    defers the re-map: ``deferred`` says why, and the next call tries again.
    """
    root = root.resolve()  # compared with /proc/<pid>/root and the mount table
    with _ids_lock(root):
        uid, gid = asterisk_ids(root)
        collides = uid_taken(uid) or gid_taken(gid)
        if not collides and not _other_memberships(root):
            return AsteriskIds(uid, gid)
        busy, unknown = _busy_instances(root)
        if unknown:
            why = "a process that is not a Guichet Asterisk runs in the root"
            log.warning("asterisk user's ids left as they are for now: %s", why)
            return AsteriskIds(uid, gid, deferred=why)
        if not collides:
            _rewrite_account(root, uid, gid)  # drops the extra groups only
            return AsteriskIds(uid, gid)
        new = _free_ids(root, uid_taken, gid_taken)
        _rewrite_account(root, new, new)
        changed = _reown_tree(root, (uid, gid), (new, new), {root / d for d in busy})
        log.info(
            "asterisk user re-mapped from %d:%d (used on the host) to %d:%d; %d files",
            uid,
            gid,
            new,
            new,
            changed,
        )
        return AsteriskIds(new, new, remapped_from=(uid, gid))


def claim_tree(path: Path, uid: int, gid: int) -> None:
    """``path`` owned by ``uid``:``gid``, and so is everything under it that an
    Asterisk under the user's former ids left (its AstDB, logs, spool). Entries owned
    by root are Guichet's own and stay as they are."""
    os.chown(path, uid, gid)
    for current, dirnames, filenames in os.walk(path):
        here = Path(current)
        for entry in (here / n for n in dirnames + filenames):
            info = entry.lstat()
            if info.st_uid != 0 and (info.st_uid, info.st_gid) != (uid, gid):
                os.chown(entry, uid, gid, follow_symlinks=False)
