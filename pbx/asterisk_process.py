"""Starting, stopping and talking to Asterisk.

Two runtimes behind one small interface: :class:`ChrootAsterisk` (development and
CI: Guichet runs Debian's Asterisk 22 in a sid root) and :class:`ExternalAsterisk`
(production: someone else runs Asterisk; Guichet only talks to it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from guichet.secrets_store import Secrets, load_or_create_secrets
from guichet.settings import Settings
from pbx import asterisk_root
from pbx.asterisk_config import (
    RenderContext,
    render_all,
    sip_usernames,
    stored_desk_endpoints,
    write_config,
)
from pbx.credentials import credentials
from pbx.errors import AsteriskRuntimeError

log = logging.getLogger(__name__)

BOOT_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class AsteriskStatus:
    running: bool
    detail: str
    pid: int | None = None


class AsteriskRuntime(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def status(self) -> AsteriskStatus: ...
    def cli(self, command: str) -> str: ...


def load_secrets(settings: Settings) -> Secrets:
    return load_or_create_secrets(settings.home_dir, sip_usernames(settings))


class ChrootAsterisk:
    """Asterisk inside the Debian sid root, one instance per data directory.

    The instance's configuration, AstDB, spool and logs live under
    ``<root>/var/lib/guichet/<instance>/`` so several data directories can share
    one root (one of them running at a time on the default ports).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.asterisk_root_dir
        digest = hashlib.sha1(str(settings.home_dir).encode(), usedforsecurity=False)
        self.instance = digest.hexdigest()[:12]
        self.inst_in_root = f"/var/lib/guichet/{self.instance}"
        self.inst_dir = self.root / self.inst_in_root.lstrip("/")

    # --- paths ---
    @property
    def conf_in_root(self) -> str:
        return f"{self.inst_in_root}/etc/asterisk.conf"

    @property
    def pid_file(self) -> Path:
        return self.inst_dir / "run" / "asterisk.pid"

    @property
    def log_file(self) -> Path:
        return self.inst_dir / "log" / "messages.log"

    def _require_root(self) -> None:
        if not asterisk_root.is_provisioned(self.root):
            raise AsteriskRuntimeError(
                f"no Asterisk root at {self.root}: run `guichet asterisk provision` first"
            )

    def _ids(self) -> tuple[int, int]:
        uid = gid = None
        for line in (self.root / "etc/passwd").read_text(encoding="utf-8").splitlines():
            fields = line.split(":")
            if fields[0] == "asterisk":
                uid, gid = int(fields[2]), int(fields[3])
        if uid is None or gid is None:
            raise AsteriskRuntimeError("the root has no asterisk user")
        return uid, gid

    def _module_dir(self) -> str:
        found = sorted(self.root.glob("usr/lib/*/asterisk/modules"))
        if not found:
            raise AsteriskRuntimeError("the root has no Asterisk modules directory")
        return "/" + str(found[0].relative_to(self.root))

    def _ensure_layout(self) -> None:
        # Debian ships the French prompts as fr_CA_f_June; Asterisk looks for sounds/fr.
        sounds = self.root / "usr/share/asterisk/sounds"
        if not (sounds / "fr").exists() and (sounds / "fr_CA_f_June").is_dir():
            (sounds / "fr").symlink_to("fr_CA_f_June")
        uid, gid = self._ids()
        for sub in ("etc", "db", "spool", "run", "log"):
            path = self.inst_dir / sub
            path.mkdir(parents=True, exist_ok=True)
            # files an Asterisk under the user's former ids left are its own again
            asterisk_root.claim_tree(path, uid, gid)
            path.chmod(0o750)

    def render(self) -> None:
        self._require_root()
        # the root's asterisk user must not share its ids with a host account; under
        # the root's lock, so that no other instance is half-way through booting
        with root_lock(self.root):
            asterisk_root.ensure_private_ids(self.root)
        self._ensure_layout()
        uid, gid = self._ids()
        ctx = RenderContext(instance_dir=self.inst_in_root, module_dir=self._module_dir())
        desk = stored_desk_endpoints(self.settings)  # the accounts' WebRTC endpoints
        files = render_all(self.settings, load_secrets(self.settings), ctx, desk)
        write_config(files, self.inst_dir / "etc", uid, gid)

    # --- lifecycle ---
    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _is_asterisk_of(pid, self.conf_in_root) else None

    def status(self) -> AsteriskStatus:
        pid = self._pid()
        if pid is None:
            return AsteriskStatus(False, "stopped")
        return AsteriskStatus(True, f"running (pid {pid}, instance {self.instance})", pid)

    def start(self) -> None:
        if self._pid() is not None:
            log.info("Asterisk already running")
            return
        self.render()
        # mount and boot under the root's lock: a stop elsewhere must not take the
        # mounts away from an Asterisk that is starting but not yet running
        with root_lock(self.root):
            asterisk_root.mount_runtime(self.root)
            self.pid_file.unlink(missing_ok=True)
            result = subprocess.run(
                [
                    "chroot",
                    str(self.root),
                    "/usr/sbin/asterisk",
                    "-C",
                    self.conf_in_root,
                    "-U",
                    "asterisk",
                    "-G",
                    "asterisk",
                ],
                capture_output=True,
                text=True,
                check=False,
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
            )
            if result.returncode != 0:
                self._unmount_unless_shared()
                raise AsteriskRuntimeError(f"asterisk did not start: {result.stderr.strip()}")
            try:
                self._wait_control_socket(BOOT_TIMEOUT_S)
                self.cli("core waitfullybooted", timeout=BOOT_TIMEOUT_S)
            except AsteriskRuntimeError as exc:
                self.stop()
                raise AsteriskRuntimeError(f"Asterisk did not finish booting: {exc}") from exc
        log.info("Asterisk up (%s)", self.status().detail)

    def _wait_control_socket(self, timeout: float) -> None:
        # the daemon forks before it opens its control socket
        socket_path = self.inst_dir / "run" / "asterisk.ctl"
        deadline = time.monotonic() + timeout
        while not socket_path.exists():
            if time.monotonic() > deadline:
                raise AsteriskRuntimeError(f"no control socket after {timeout:.0f} s")
            time.sleep(0.02)

    def stop(self) -> None:
        # stopping and unmounting are one step for the other instances sharing the
        # root: under its lock, none sees this one gone with the mounts still up
        with root_lock(self.root):
            pid = self._pid()
            if pid is not None:
                try:
                    self.cli("core stop now", timeout=5)
                except AsteriskRuntimeError:
                    log.warning("core stop failed; terminating Asterisk")
                if not _wait_gone(pid, STOP_TIMEOUT_S):
                    os.kill(pid, 15)
                    if not _wait_gone(pid, 5):
                        os.kill(pid, 9)
                        _wait_gone(pid, 5)
            self._unmount_unless_shared()

    def _unmount_unless_shared(self) -> None:
        """Unmount the root's proc and dev unless another instance still runs in it;
        checked and done under the root's lock, so no instance starts in between."""
        with root_lock(self.root):
            if not self._other_instances_running():
                asterisk_root.unmount_runtime(self.root)

    def _other_instances_running(self) -> bool:
        base = self.root / "var/lib/guichet"
        if not base.is_dir():
            return False
        for inst in base.iterdir():
            if inst.name == self.instance or not inst.is_dir():
                continue
            try:
                pid = int((inst / "run/asterisk.pid").read_text().strip())
            except (OSError, ValueError):
                continue
            # the pid file of an instance killed long ago may name a reused pid
            if _is_asterisk_of(pid, f"/var/lib/guichet/{inst.name}/etc/asterisk.conf"):
                return True
        return False

    def cli(self, command: str, timeout: float = 10.0) -> str:
        self._require_root()
        try:
            result = subprocess.run(
                [
                    "chroot",
                    str(self.root),
                    "/usr/sbin/asterisk",
                    "-C",
                    self.conf_in_root,
                    "-rx",
                    command,
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise AsteriskRuntimeError(f"`{command}` timed out after {timeout:.0f} s") from exc
        if result.returncode != 0:
            raise AsteriskRuntimeError(
                f"`{command}` failed: {(result.stderr or result.stdout).strip()}"
            )
        return result.stdout


class ExternalAsterisk:
    """An Asterisk that Guichet does not run: it checks it over ARI, and has no CLI on
    it (its AMI account has no "command" right: asterisk-config/manager.conf)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def start(self) -> None:
        status = self.status()
        if not status.running:
            raise AsteriskRuntimeError(f"external Asterisk not reachable: {status.detail}")

    def stop(self) -> None:
        """Guichet never stops an Asterisk it did not start."""

    def status(self) -> AsteriskStatus:
        import httpx  # noqa: PLC0415 - only external mode needs it here

        creds = credentials(self.settings)
        try:
            reply = httpx.get(
                f"{self.settings.ari_base_url}/ari/asterisk/info",
                auth=(creds.ari_user, creds.ari_password),
                timeout=3,
            )
        except httpx.HTTPError as exc:
            return AsteriskStatus(False, f"ARI unreachable: {exc}")
        if reply.status_code != 200:
            return AsteriskStatus(False, f"ARI answered {reply.status_code}")
        version = reply.json().get("system", {}).get("version", "?")
        return AsteriskStatus(True, f"external Asterisk {version}")

    def cli(self, command: str, timeout: float = 10.0) -> str:
        raise AsteriskRuntimeError(
            "no Asterisk CLI on an external Asterisk: Guichet's AMI account may not run "
            f"commands; on the Asterisk host, run: asterisk -rx {shlex.quote(command)}"
        )


def _is_asterisk_of(pid: int, conf_in_root: str) -> bool:
    """Whether ``pid`` is an Asterisk started with that configuration (not a process
    that got the pid of one which has since gone)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"asterisk" in cmdline and conf_in_root.encode() in cmdline


_root_locks: dict[Path, tuple[int, int]] = {}  # root -> (descriptor, depth), this process's
_root_locks_guard = threading.RLock()


@contextlib.contextmanager
def root_lock(root: Path) -> Iterator[None]:
    """An exclusive ``flock`` on the root directory, between the processes sharing it
    (each test run, a developer's ``make run``): starts (mount, boot) and stops (stop,
    unmount) of its instances take it, so while it is held, the root is mounted if
    and only if an Asterisk runs in it (or one crashed). Re-entrant within the
    process: a start that fails to boot stops what it started, under the same lock."""
    with _root_locks_guard:
        held = _root_locks.get(root)
        if held is None:
            try:
                fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
            except FileNotFoundError:  # no root: nothing mounted, nothing to guard
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = (fd, 0)
        _root_locks[root] = (held[0], held[1] + 1)
        try:
            yield
        finally:
            fd, depth = _root_locks.pop(root)
            if depth > 1:
                _root_locks[root] = (fd, depth - 1)
            else:
                os.close(fd)  # releases the flock


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        with contextlib.suppress(ChildProcessError):
            # reap it if it is our child; harmless otherwise
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    return not Path(f"/proc/{pid}").exists()


def make_runtime(settings: Settings) -> AsteriskRuntime:
    if settings.asterisk_mode == "external":
        return ExternalAsterisk(settings)
    if shutil.which("chroot") is None:
        raise AsteriskRuntimeError("chroot is not available")
    return ChrootAsterisk(settings)
