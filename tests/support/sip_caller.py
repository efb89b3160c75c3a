"""Real SIP callers for tests: baresip (Debian, v1.0.0) driven as a subprocess.

Two ways to use it::

    result = await place_call("3999@127.0.0.1:5060", audio_in=mic, listen_s=8, workdir=tmp)

    async with CallSession("3000@127.0.0.1:5060", workdir=tmp) as call:
        assert await call.wait_established(5)
        ...                       # restart a controller, etc.
        await call.wait_closed(30)  # or call.hangup()
    result = call.result()

An agent's softphone (registers, answers every call at once) is :class:`AgentPhone`.

What the caller heard is baresip's sndfile ``dump-*-dec.wav`` (8 kHz mono s16, written as
RTP arrives); what it sent is ``dump-*-enc.wav``. Synchronisation is driven by baresip's
output lines (``Call established``, ``session closed: …``, ``Call with … terminated``) and
process exit; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from tests.support.audio import read_wav, sox_convert, write_wav

BARESIP = "baresip"
MODULE_PATH = Path("/usr/lib/baresip/modules")
RATE = 8000
# The caller's jitter buffer, set like a desk phone's on a LAN: 2 packets, 40 ms (a
# phone's adaptive buffer settles at its minimum when jitter is low: 30-40 ms on common
# desk phones). baresip 1.0.0's buffer holds a fixed number of packets
# (``jitter_buffer_delay MIN-MAX``, frames; "0" turns it off; its default 5-10 holds
# 100 ms) and hands a packet on only when MIN newer ones have arrived: over continuous
# RTP, what the caller hears and dumps is MIN x 20 ms behind the wire
# (tests/bench/bench_caller_buffer.py measures it).
JITTER_BUFFER = "2-10"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_STATUS_LINE = re.compile(r"^\[\d+:\d\d:\d\d\]\s+audio=")
_ESTABLISHED = re.compile(r"Call established: ")
_SESSION_CLOSED = re.compile(r"session closed: (?P<reason>.*)$")
_TERMINATED = re.compile(r"Call with \S+ terminated")
_LOCAL_TERMINATE = re.compile(r"call: terminate call ")
_PROGRESS = re.compile(r"SIP Progress: (?P<code>\d{3}) ")
_STATUS_CODE = re.compile(r"^(?P<code>[3-6]\d\d)\b")


class BaresipError(RuntimeError):
    """baresip could not be started or behaved unexpectedly."""


@dataclass
class CallResult:
    recording: Path | None
    """8 kHz mono s16 WAV of what the caller heard (sndfile ``dump-*-dec.wav``)."""
    sent: Path | None
    """What the caller sent (sndfile ``dump-*-enc.wav``)."""
    established: bool
    closed_reason: str
    """baresip's reason, e.g. ``401 Unauthorized``, ``Connection reset by peer`` (remote
    BYE), ``local hangup``, ``process exited``."""
    sip_status: int | None
    """Final failure status (>= 300) when the call failed, else None."""
    log: str
    """baresip stdout+stderr, ANSI colours and the per-20 ms status lines removed."""
    duration_s: float
    """From the start of baresip to the end of the call (or of the process)."""
    setup_s: float | None = None
    """From the start of baresip to ``Call established``."""
    remote_hangup: bool = False
    """The far end ended an established call (BYE)."""
    last_progress: int | None = None
    """Last provisional status seen (100, 180, 183)."""
    returncode: int | None = None


def free_sip_port(host: str) -> int:
    """A port with UDP ``p``, TCP ``p`` and TCP ``p+1`` free on ``host``.

    baresip 1.0.0 binds all three (UDP/TCP on sip_listen, TLS on the next port)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            if port >= 65535:
                continue
            try:
                with (
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tls,
                ):
                    tcp.bind((host, port))
                    tls.bind((host, port + 1))
            except OSError:
                continue
            return port
    raise BaresipError(f"no free SIP port on {host}")


def _sip_uri(target: str) -> str:
    return target if target.startswith(("sip:", "sips:")) else f"sip:{target}"


def _hostport(uri: str) -> str:
    rest = uri.split(":", 1)[1]
    return rest.split("@", 1)[1] if "@" in rest else rest


def prepare_microphone(audio_in: Path | None, seconds: float, out: Path) -> Path:
    """``audio_in`` (any sox-readable file; None = silence) as 8 kHz mono s16, padded with
    silence to ``seconds``: baresip hangs up when its aufile source ends."""
    samples = np.zeros(0, dtype=np.float32)
    if audio_in is not None:
        rate = 0
        if audio_in.suffix.lower() == ".wav":
            with contextlib.suppress(ValueError):
                samples, rate = read_wav(audio_in)
        if rate != RATE:
            samples, _ = read_wav(sox_convert(audio_in, out.with_suffix(".src.wav"), RATE))
    total = max(len(samples), round(seconds * RATE))
    padded = np.zeros(total, dtype=np.float32)
    padded[: len(samples)] = samples
    return write_wav(out, padded, RATE)


def _write_config(
    confdir: Path,
    *,
    listen: str,
    mic: Path,
    dumps: Path,
    account: str,
    jitter_buffer: str = JITTER_BUFFER,
) -> None:
    confdir.mkdir(parents=True, exist_ok=True)
    (confdir / "config").write_text(
        "\n".join(
            [
                "poll_method epoll",
                f"sip_listen {listen}",
                "audio_player aufile,/dev/null",
                f"audio_source aufile,{mic}",
                "audio_alert aufile,/dev/null",
                f"jitter_buffer_delay {jitter_buffer}",
                f"module_path {MODULE_PATH}",
                "module stdio.so",
                "module g711.so",
                "module aufile.so",
                "module sndfile.so",
                "module_app account.so",
                "module_app menu.so",
                f"snd_path {dumps}",
                "",
            ]
        )
    )
    (confdir / "accounts").write_text(account + "\n")
    (confdir / "contacts").write_text("")


class CallSession:
    """One baresip process placing one call; an async context manager.

    ``wait_established``/``wait_closed`` follow baresip's output as it arrives.
    ``hangup()`` sends the menu key ``b`` on stdin (baresip 1.0.0's "hangup"); leaving the
    ``async with`` block hangs up if needed, stops baresip with SIGTERM (it sends BYE and
    finalises the WAV dumps) and SIGKILL only as a last resort.
    """

    def __init__(
        self,
        target: str,
        *,
        workdir: Path,
        source_ip: str = "127.0.0.1",
        user: str = "caller",
        password: str | None = None,
        audio_in: Path | None = None,
        max_duration_s: float = 120.0,
        jitter_buffer: str = JITTER_BUFFER,
    ) -> None:
        self.uri = _sip_uri(target)
        self.jitter_buffer = jitter_buffer
        self._dial_command = f"/dial {self.uri}"
        self.source_ip = source_ip
        self.user = user
        self.password = password
        self.audio_in = audio_in
        self.max_duration_s = max_duration_s
        workdir.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="call-", dir=workdir))
        self.dumps = self.dir / "dumps"
        self.dumps.mkdir()
        self.port: int | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lines: list[str] = []
        self._established = asyncio.Event()
        self._closed = asyncio.Event()
        self._exited = asyncio.Event()
        self._t0 = 0.0
        self._setup_s: float | None = None
        self._closed_s: float | None = None
        self._closed_reason = ""
        self._last_progress: int | None = None
        self._line_waiters: list[tuple[re.Pattern[str], asyncio.Future[str]]] = []

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> CallSession:
        if shutil.which(BARESIP) is None:
            raise BaresipError("baresip is not installed")
        mic = prepare_microphone(self.audio_in, self.max_duration_s + 5.0, self.dir / "mic.wav")
        self.port = free_sip_port(self.source_ip)
        _write_config(
            self.dir / "conf",
            listen=f"{self.source_ip}:{self.port}",
            mic=mic,
            dumps=self.dumps,
            account=self._account(),
            jitter_buffer=self.jitter_buffer,
        )
        self._t0 = time.monotonic()
        dial = ["-e", self._dial_command] if self._dial_command else []
        self._proc = await asyncio.create_subprocess_exec(
            BARESIP,
            "-f",
            str(self.dir / "conf"),
            *dial,
            "-t",
            str(max(1, int(self.max_duration_s + 10))),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = asyncio.create_task(self._read_output())
        return self

    def _account(self) -> str:
        """baresip's account line: who this caller is (no registration)."""
        if self.password is None:
            return f"<sip:{self.user}@{self.source_ip}>;regint=0"
        return (
            f"<sip:{self.user}@{_hostport(self.uri)}>;auth_user={self.user};"
            f"auth_pass={self.password};regint=0"
        )

    async def __aenter__(self) -> CallSession:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Hang up if needed and stop baresip (SIGTERM, then SIGKILL)."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            if self._established.is_set() and not self._closed.is_set():
                self.hangup()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), 5)
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._reader, 5)
            if not self._reader.done():
                self._reader.cancel()

    # -- output parsing ----------------------------------------------------------------

    async def _read_output(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        pending = ""
        try:
            while chunk := await stdout.read(4096):
                text = pending + chunk.decode("utf-8", errors="replace")
                parts = re.split(r"[\r\n]", text)
                pending = parts.pop()
                for part in parts:
                    self._on_line(part)
            if pending:
                self._on_line(pending)
            await self._proc.wait()
        finally:
            self._exited.set()
            if not self._closed.is_set():
                self._mark_closed(self._closed_reason or "process exited")
            for _, fut in self._line_waiters:
                if not fut.done():
                    fut.set_exception(EOFError("baresip exited"))

    def _on_line(self, raw: str) -> None:
        line = _ANSI.sub("", raw).strip()
        if not line or _STATUS_LINE.match(line) or self._dial_command.startswith(line):
            return  # empty, per-20 ms status, or the character-by-character echo of -e
        self._lines.append(f"{time.monotonic() - self._t0:7.3f} {line}")
        if _ESTABLISHED.search(line) and not self._established.is_set():
            self._setup_s = time.monotonic() - self._t0
            self._established.set()
        elif m := _PROGRESS.search(line):
            self._last_progress = int(m["code"])
        elif m := _SESSION_CLOSED.search(line):
            self._mark_closed(m["reason"].strip())
        elif _LOCAL_TERMINATE.search(line):
            # Our hangup: baresip sends BYE. A hangup right after establishment prints no
            # "Call with … terminated" line, so this line is the close event.
            self._mark_closed("local hangup")
        elif _TERMINATED.search(line):
            self._mark_closed("terminated")
        for pattern, fut in self._line_waiters:
            if not fut.done() and pattern.search(line):
                fut.set_result(line)

    def _mark_closed(self, reason: str) -> None:
        if self._closed.is_set():
            return
        self._closed_reason = reason
        self._closed_s = time.monotonic() - self._t0
        self._closed.set()

    # -- public API --------------------------------------------------------------------

    @property
    def established(self) -> bool:
        return self._established.is_set()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self._t0

    @property
    def log(self) -> str:
        return "\n".join(self._lines)

    async def wait_established(self, timeout: float) -> bool:
        """True once the call is established; False if it closed first (refused, busy…).
        Raises TimeoutError (with the log) if neither happens in time."""
        est = asyncio.ensure_future(self._established.wait())
        clo = asyncio.ensure_future(self._closed.wait())
        try:
            await asyncio.wait({est, clo}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            est.cancel()
            clo.cancel()
        if self._established.is_set():
            return True
        if self._closed.is_set():
            return False
        raise TimeoutError(f"call to {self.uri} not established in {timeout}s:\n{self.log}")

    async def wait_closed(self, timeout: float) -> str:
        """Wait until the call ends (either side) or baresip exits; returns the reason."""
        try:
            await asyncio.wait_for(self._closed.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"call to {self.uri} still up after {timeout}s") from None
        return self._closed_reason

    async def wait_for_line(self, pattern: str, timeout: float) -> str:
        """Wait for a (future) baresip output line matching the regex ``pattern``."""
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        entry = (re.compile(pattern), fut)
        self._line_waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._line_waiters.remove(entry)

    def _send_keys(self, keys: str) -> bool:
        proc = self._proc
        if proc is None or proc.returncode is not None or proc.stdin is None:
            return False
        try:
            proc.stdin.write(keys.encode())
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            return False
        return True

    def hangup(self) -> None:
        """Hang up (menu key ``b``); falls back to SIGTERM if stdin is gone.
        Follow with ``await wait_closed(...)``."""
        if not self._send_keys("b"):
            self.terminate()

    def send_dtmf(self, digits: str) -> None:
        """Type digits into baresip's menu; during a call they go out as RFC 4733 DTMF.
        (Not exercised by the harness tests yet.)"""
        if not set(digits) <= set("0123456789*#ABCD"):
            raise ValueError(f"not DTMF: {digits!r}")
        self._send_keys(digits)

    def terminate(self) -> None:
        """SIGTERM: baresip sends BYE for an established call and exits."""
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: the caller vanishes without BYE (dumps keep unfinalised headers;
        ``read_wav`` copes). Asterisk keeps its channel (the trunk has rtp_timeout=0):
        hang it up yourself (``channel request hangup …``)."""
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()

    def _dump(self, kind: str) -> Path | None:
        found = sorted(self.dumps.glob(f"dump-*-{kind}.wav"))
        return found[-1] if found else None

    def result(self) -> CallResult:
        """The outcome; complete once the session is closed (after ``async with``)."""
        reason = self._closed_reason
        status_match = _STATUS_CODE.match(reason)
        end = self._closed_s if self._closed_s is not None else self.elapsed_s
        return CallResult(
            recording=self._dump("dec"),
            sent=self._dump("enc"),
            established=self._established.is_set(),
            closed_reason=reason,
            sip_status=int(status_match["code"]) if status_match else None,
            log=self.log,
            duration_s=end,
            setup_s=self._setup_s,
            remote_hangup=self._established.is_set()
            and reason not in ("", "local hangup", "terminated", "process exited")
            and status_match is None,
            last_progress=self._last_progress,
            returncode=self._proc.returncode if self._proc is not None else None,
        )


async def place_call(
    target: str,
    *,
    source_ip: str = "127.0.0.1",
    user: str = "caller",
    password: str | None = None,
    audio_in: Path | None = None,
    listen_s: float,
    workdir: Path,
    timeout_s: float | None = None,
) -> CallResult:
    """Dial ``target`` (``3999@127.0.0.1:5060`` or a ``sip:`` URI), play ``audio_in`` as
    the microphone, and listen until the far end hangs up or ``listen_s`` seconds after
    the call is established (then hang up). ``timeout_s`` bounds call setup (default 15 s).
    A refused call returns promptly with ``established=False`` and ``sip_status``."""
    setup_timeout = 15.0 if timeout_s is None else timeout_s
    async with CallSession(
        target,
        workdir=workdir,
        source_ip=source_ip,
        user=user,
        password=password,
        audio_in=audio_in,
        max_duration_s=setup_timeout + listen_s + 5.0,
    ) as call:
        if await call.wait_established(setup_timeout):
            with contextlib.suppress(TimeoutError):
                await call.wait_closed(listen_s)
    return call.result()


_REGISTERED = re.compile(r"\b200 OK\b.*\bbinding")
_REGISTER_FAILED = re.compile(r"reg: .*\b(?P<code>[4-6]\d\d)\b|register: .*failed", re.IGNORECASE)


class AgentPhone(CallSession):
    """A baresip that registers as a SIP account (``regint=60``) and answers every
    incoming call at once (``answermode=auto``): an agent's softphone. It dials
    nothing; ``wait_established``/``wait_closed``/``hangup``/``result`` then follow
    the call it answered, as for a caller::

        async with AgentPhone("127.0.0.1:5060", user="1001", password=pw, workdir=tmp) as agent:
            await agent.wait_registered(5)
            ...                       # a call reaches PJSIP/1001
            assert await agent.wait_established(20)
    """

    def __init__(
        self,
        registrar: str,
        *,
        user: str,
        password: str,
        workdir: Path,
        source_ip: str = "127.0.0.1",
        audio_in: Path | None = None,
        max_duration_s: float = 120.0,
        answer: bool = True,
    ) -> None:
        self.answer = answer  # False: it rings and is never picked up
        super().__init__(
            registrar.split("@", 1)[-1],
            workdir=workdir,
            source_ip=source_ip,
            user=user,
            password=password,
            audio_in=audio_in,
            max_duration_s=max_duration_s,
        )
        self._dial_command = ""  # no -e: it waits for calls
        self._registered = asyncio.Event()
        self._register_error = ""

    def _account(self) -> str:
        return (
            f"<sip:{self.user}@{_hostport(self.uri)}>;auth_user={self.user};"
            f"auth_pass={self.password};regint=60;"
            f"answermode={'auto' if self.answer else 'manual'}"
        )

    async def __aenter__(self) -> AgentPhone:
        await self.start()
        return self

    def _on_line(self, raw: str) -> None:
        super()._on_line(raw)
        line = _ANSI.sub("", raw).strip()
        if _REGISTERED.search(line):
            self._registered.set()
        elif _REGISTER_FAILED.search(line) and not self._registered.is_set():
            self._register_error = line

    @property
    def registered(self) -> bool:
        return self._registered.is_set()

    async def wait_registered(self, timeout: float) -> None:
        """Until Asterisk accepted the registration (``200 OK … binding``)."""
        try:
            await asyncio.wait_for(self._registered.wait(), timeout)
        except TimeoutError:
            raise BaresipError(
                f"{self.user} not registered in {timeout}s "
                f"({self._register_error or 'no answer'}):\n{self.log}"
            ) from None
