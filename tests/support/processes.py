"""A child process whose output lines can be awaited: tests wait on what a program
says ("controller ready", "call … ended"), never on the clock."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Mapping, Sequence


class WatchedProcess:
    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> WatchedProcess:
        self._proc = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        async for raw in self._proc.stdout:
            async with self._changed:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.returncode

    async def wait_for_line(self, pattern: str, timeout: float, start: int = 0) -> re.Match[str]:
        """The first line from index ``start`` on that matches ``pattern``."""
        regex = re.compile(pattern)

        def find() -> re.Match[str] | None:
            for line in self.lines[start:]:
                if m := regex.search(line):
                    return m
            return None

        async def until_found() -> re.Match[str]:
            async with self._changed:
                while (m := find()) is None:
                    if self._reader is not None and self._reader.done():
                        raise AssertionError(
                            f"process exited before printing {pattern!r}:\n{self.output}"
                        )
                    await self._changed.wait()
                return m

        try:
            return await asyncio.wait_for(until_found(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no line matching {pattern!r} within {timeout} s:\n{self.output}"
            ) from None

    def send_signal(self, sig: int) -> None:
        assert self._proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._proc.pid, sig)

    async def wait(self, timeout: float) -> int:
        assert self._proc is not None
        code = await asyncio.wait_for(self._proc.wait(), timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, timeout)
        return code

    async def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
        await self.wait(10)

    async def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then SIGKILL if it does not stop in time."""
        if self._proc is None or self._proc.returncode is not None:
            return self.returncode or 0
        self.send_signal(signal.SIGTERM)
        try:
            return await self.wait(timeout)
        except TimeoutError:
            await self.kill()
            return -9
