"""Running services together, and in the foreground until SIGINT/SIGTERM; and the
claims a foreground service makes first (its data directory, its ports), so that a
second one says in one line why it cannot start instead of half-starting."""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
import signal
import socket
from collections.abc import Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from guichet.errors import GuichetError


class AlreadyRunning(GuichetError):
    """Another process holds what this one needs: the data directory, or a port."""


class PortInUse(AlreadyRunning):
    """A port this process must listen on is taken."""


class InstanceLock:
    """An exclusive claim on a file (``flock``), held until :meth:`release` or the
    process ends — a crash or SIGKILL included, so a stale lock never blocks a restart.

    The holder's pid is written into the file, for the message the next one prints."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise AlreadyRunning(
                f"{self.what} is already running"
                + (f" (pid {holder})" if holder.isdigit() else "")
                + ": stop it first (Ctrl-C where it runs)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            # empty it first: a reader between unlock and close must not name us
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _in_use(host: str, port: int, what: str) -> PortInUse:
    return PortInUse(
        f"{what} port {host}:{port} is already in use: another Guichet "
        "(or another program) is running there; stop it or choose other ports"
    )


def bind_tcp(host: str, port: int, what: str) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening), for a server that
    takes a ready socket; a port in use is :class:`PortInUse`, before anything starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # as servers do: a port left in TIME_WAIT by the previous run is free to take
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise _in_use(host, port, what) from None
        raise AlreadyRunning(f"cannot listen on {host}:{port} for {what}: {exc}") from exc
    return sock


def check_port_free(host: str, port: int, what: str, kind: Literal["tcp", "udp"]) -> None:
    """Raise :class:`PortInUse` when another process has ``host:port`` bound (for a
    program, such as Asterisk, that logs a bind failure and carries on regardless)."""
    if kind == "tcp":
        bind_tcp(host, port, what).close()
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # no SO_REUSEADDR here: on UDP it would let us share the port and see nothing
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise _in_use(host, port, what) from None
            raise AlreadyRunning(f"cannot use {host}:{port} for {what}: {exc}") from exc


async def run_together(*services: Coroutine[Any, Any, Any]) -> None:
    """Run the coroutines until all have returned or one fails (its exception is
    raised); on the way out, cancel and await every one still running."""
    tasks = [asyncio.create_task(s) for s in services]
    try:
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_until_signal(*services: Coroutine[Any, Any, Any]) -> None:
    """:func:`run_together` until a signal arrives; then stop them all."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    together = asyncio.create_task(run_together(*services))
    stopper = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({together, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if together in done:
            together.result()
    finally:
        for task in (together, stopper):
            task.cancel()
        await asyncio.gather(together, stopper, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
