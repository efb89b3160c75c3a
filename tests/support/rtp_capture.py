"""What a caller receives, packet by packet: tcpdump on loopback, keeping the UDP
packets Asterisk sends from its RTP ports (a test stack's own range, so another
stack on the machine does not mix in), with their arrival times.

    async with RtpCapture(settings.rtp_start, settings.rtp_end) as capture:
        ...                                   # a call
    flow = capture.flow()                     # the call's media towards the caller
    assert flow.largest_gap_s <= 0.1

tcpdump needs CAP_NET_RAW (the tests run as root, as ``make test`` does) and the
Debian package ``tcpdump`` (scripts/apt-packages.txt).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import shutil
import signal
from collections import defaultdict
from dataclasses import dataclass
from types import TracebackType

TCPDUMP = "tcpdump"
# "1732902345.123456 IP 127.0.0.1.22004 > 127.0.0.1.45678: UDP, length 172"
_PACKET = re.compile(
    r"^(?P<t>\d+\.\d+) IP (?P<src>[\d.]+)\.(?P<sport>\d+) > (?P<dst>[\d.]+)\.(?P<dport>\d+): "
    r"UDP, length (?P<length>\d+)"
)


@dataclass(frozen=True)
class Packet:
    at: float  # epoch seconds, as tcpdump stamped it
    src_port: int
    dst_port: int
    length: int


@dataclass(frozen=True)
class Flow:
    """One stream of packets from one Asterisk port to one receiver port."""

    packets: tuple[Packet, ...]

    @property
    def first_at(self) -> float:
        return self.packets[0].at

    @property
    def duration_s(self) -> float:
        return self.packets[-1].at - self.packets[0].at

    def gaps(self) -> list[tuple[float, float]]:
        """(when, how long) for each interval between consecutive packets."""
        times = [p.at for p in self.packets]
        return [(a - times[0], b - a) for a, b in itertools.pairwise(times)]

    @property
    def largest_gap_s(self) -> float:
        return max((gap for _, gap in self.gaps()), default=0.0)

    def gaps_over(self, limit_s: float) -> list[tuple[float, float]]:
        return [(round(at, 3), round(gap, 3)) for at, gap in self.gaps() if gap > limit_s]


class CaptureError(RuntimeError):
    """tcpdump is missing, not allowed to capture, or did not start."""


class RtpCapture:
    def __init__(self, rtp_start: int, rtp_end: int, interface: str = "lo") -> None:
        self.filter = f"udp and src portrange {rtp_start}-{rtp_end}"
        self.interface = interface
        self.packets: list[Packet] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._stdout: asyncio.Task[bytes] | None = None

    async def __aenter__(self) -> RtpCapture:
        if shutil.which(TCPDUMP) is None:
            raise CaptureError("tcpdump is not installed (scripts/apt-packages.txt)")
        self._proc = await asyncio.create_subprocess_exec(
            TCPDUMP,
            "-i",
            self.interface,
            "-n",  # no name lookups
            "-tt",  # epoch timestamps
            "-l",
            "--immediate-mode",  # no buffering in the kernel: times as packets pass
            self.filter,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self._proc.stderr is not None and self._proc.stdout is not None
        self._stdout = asyncio.ensure_future(self._proc.stdout.read())
        # capture is on once tcpdump says it listens (after a line about verbosity)
        said = b""
        try:
            async with asyncio.timeout(10):
                while b"listening on" not in said:
                    line = await self._proc.stderr.readline()
                    if not line:
                        break  # it exited
                    said += line
        except TimeoutError:
            pass
        if b"listening on" not in said:
            await self._stop()
            raise CaptureError(f"tcpdump did not start: {said.decode(errors='replace')}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        output = await self._stop()
        for line in output.decode(errors="replace").splitlines():
            if m := _PACKET.match(line):
                self.packets.append(
                    Packet(float(m["t"]), int(m["sport"]), int(m["dport"]), int(m["length"]))
                )

    async def _stop(self) -> bytes:
        proc = self._proc
        if proc is None:
            return b""
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)  # tcpdump flushes what it holds
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        return await self._stdout if self._stdout is not None else b""

    def flows(self) -> list[Flow]:
        """Every (Asterisk port → receiver port) stream, the largest first."""
        by_ports: dict[tuple[int, int], list[Packet]] = defaultdict(list)
        for packet in self.packets:
            by_ports[(packet.src_port, packet.dst_port)].append(packet)
        streams = sorted(by_ports.values(), key=len, reverse=True)
        return [Flow(tuple(sorted(s, key=lambda p: p.at))) for s in streams]

    def flow(self) -> Flow:
        """The call's media towards the caller: the largest stream (RTCP, every few
        seconds on the next port, is the small one)."""
        flows = self.flows()
        if not flows:
            raise CaptureError(f"no packet matched {self.filter!r} on {self.interface}")
        return flows[0]
