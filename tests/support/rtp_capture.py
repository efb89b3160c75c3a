"""What a caller receives, packet by packet: tcpdump on loopback, keeping the UDP
packets Asterisk sends from its RTP ports (a test stack's own range, so another
stack on the machine does not mix in), with their arrival times.

    async with RtpCapture(settings.rtp_start, settings.rtp_end) as capture:
        ...                                   # a call
    flow = capture.flow()                     # the call's media towards the caller
    assert flow.largest_gap_s <= 0.1

With ``both_ways=True`` the packets sent to those ports are kept too (what the caller
sends). Every packet keeps its UDP payload: :meth:`Packet.rtp` reads the RTP header and
:meth:`RtpPacket.pcm` decodes G.711, so that what was on the wire can be compared with
what the caller recorded, frame by frame.

tcpdump needs CAP_NET_RAW (the tests run as root, as ``make test`` does) and the
Debian package ``tcpdump`` (scripts/apt-packages.txt).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import shutil
import signal
import struct
from collections import defaultdict
from dataclasses import dataclass, field
from types import TracebackType

import numpy as np
import numpy.typing as npt

__all__ = ["CaptureError", "Flow", "Packet", "RtpCapture", "RtpPacket", "read_pcap"]

TCPDUMP = "tcpdump"
PCMU, PCMA = 0, 8  # RTP static payload types of G.711 mu-law and A-law


def _ulaw_table() -> npt.NDArray[np.int16]:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent, mantissa = (code >> 4) & 0x07, code & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(code & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> npt.NDArray[np.int16]:
    code = np.arange(256, dtype=np.int32) ^ 0x55
    segment, value = (code & 0x70) >> 4, (code & 0x0F) << 4
    magnitude = np.where(segment == 0, value + 8, (value + 0x108) << np.maximum(segment - 1, 0))
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


_G711 = {PCMU: _ulaw_table(), PCMA: _alaw_table()}


@dataclass(frozen=True)
class RtpPacket:
    """An RTP packet's header fields and payload (RFC 3550)."""

    marker: bool
    payload_type: int
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes = field(repr=False)

    def pcm(self) -> npt.NDArray[np.int16]:
        """The payload as 16-bit samples (G.711 only: ValueError for another type)."""
        table = _G711.get(self.payload_type)
        if table is None:
            raise ValueError(f"RTP payload type {self.payload_type} is not G.711")
        samples: npt.NDArray[np.int16] = table[np.frombuffer(self.payload, dtype=np.uint8)]
        return samples


@dataclass(frozen=True)
class Packet:
    at: float  # epoch seconds, as tcpdump stamped it
    src_port: int
    dst_port: int
    length: int  # of the UDP payload
    payload: bytes = field(default=b"", repr=False)  # the UDP payload

    def rtp(self) -> RtpPacket | None:
        """The payload read as RTP; None if it is not (too short, not version 2)."""
        data = self.payload
        if len(data) < 12 or data[0] >> 6 != 2:
            return None
        first, second, seq, timestamp, ssrc = struct.unpack("!BBHII", data[:12])
        start = 12 + 4 * (first & 0x0F)  # CSRCs
        if first & 0x10:  # a header extension: 4 bytes, then its length in 32-bit words
            if len(data) < start + 4:
                return None
            start += 4 + 4 * struct.unpack("!H", data[start + 2 : start + 4])[0]
        end = len(data) - (data[-1] if first & 0x20 else 0)  # padding
        if end < start:
            return None
        return RtpPacket(bool(second & 0x80), second & 0x7F, seq, timestamp, ssrc, data[start:end])


@dataclass(frozen=True)
class Flow:
    """One stream of packets from one port to another."""

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


# link-layer header lengths of the capture types tcpdump gives on Linux
_LINK_HEADER = {1: 14, 113: 16, 276: 20}  # Ethernet (lo), Linux cooked v1, v2
_UDP = 17


def read_pcap(data: bytes) -> list[Packet]:
    """The IPv4 UDP packets of a pcap stream (what ``tcpdump -w -`` writes)."""
    if len(data) < 24:
        return []
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<"}.get(magic, ">")
    nanos = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    (link,) = struct.unpack(endian + "I", data[20:24])
    if link not in _LINK_HEADER:
        raise CaptureError(f"pcap link type {link} is not one this reader knows")
    skip, unit = _LINK_HEADER[link], 1e-9 if nanos else 1e-6
    record = struct.Struct(endian + "IIII")
    packets: list[Packet] = []
    pos = 24
    while pos + record.size <= len(data):
        seconds, fraction, kept, _ = record.unpack_from(data, pos)
        frame = data[pos + record.size : pos + record.size + kept]
        pos += record.size + kept
        ip = frame[skip:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != _UDP:
            continue
        udp = ip[4 * (ip[0] & 0x0F) :]
        if len(udp) < 8:
            continue
        src, dst, length = struct.unpack("!HHH", udp[:6])
        payload = udp[8:length]
        packets.append(Packet(seconds + fraction * unit, src, dst, len(payload), payload))
    return packets


class RtpCapture:
    def __init__(
        self, rtp_start: int, rtp_end: int, interface: str = "lo", *, both_ways: bool = False
    ) -> None:
        ports = f"portrange {rtp_start}-{rtp_end}"
        self.filter = (
            f"udp and (src {ports} or dst {ports})" if both_ways else f"udp and src {ports}"
        )
        self.rtp_ports = range(rtp_start, rtp_end + 1)
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
            "--immediate-mode",  # no buffering in the kernel: times as packets pass
            "-w",
            "-",  # pcap on stdout: times and payloads
            self.filter,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self._proc.stderr is not None and self._proc.stdout is not None
        self._stdout = asyncio.ensure_future(self._proc.stdout.read())
        # capture is on once tcpdump says it listens
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
        self.packets.extend(read_pcap(await self._stop()))

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
        """Every (source port → destination port) stream, the largest first."""
        by_ports: dict[tuple[int, int], list[Packet]] = defaultdict(list)
        for packet in self.packets:
            by_ports[(packet.src_port, packet.dst_port)].append(packet)
        streams = sorted(by_ports.values(), key=len, reverse=True)
        return [Flow(tuple(sorted(s, key=lambda p: p.at))) for s in streams]

    def flow(self) -> Flow:
        """The call's media towards the caller: the largest stream from Asterisk's
        ports (RTCP, every few seconds on the next port, is the small one)."""
        flows = [f for f in self.flows() if f.packets[0].src_port in self.rtp_ports]
        if not flows:
            raise CaptureError(f"no packet matched {self.filter!r} on {self.interface}")
        return flows[0]

    def reverse(self, flow: Flow) -> Flow | None:
        """The stream the other way between the same two ports (the caller's, for
        :meth:`flow`), if the capture kept it (``both_ways``)."""
        first = flow.packets[0]
        for other in self.flows():
            if (other.packets[0].src_port, other.packets[0].dst_port) == (
                first.dst_port,
                first.src_port,
            ):
                return other
        return None
