"""FastAGI server for the controller-down dialplan: ``AGI(agi://127.0.0.1:4573/route)``
asks Python whether the city hall is open, and gets ``GUICHET_ROUTE=queue|closed``.

Written on asyncio rather than with pyst2: pyst2 0.5.1's ``asterisk.fastagi`` imports
Python 2's ``SocketServer``, and its ``AGI`` class installs a SIGHUP handler (main
thread only) and writes ``str`` to the socket, so it cannot serve connections inside
``guichet up``'s event loop. The protocol is small: Asterisk sends ``agi_*: value``
lines and a blank line, then we send commands and read ``200 result=...`` replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from guichet.settings import Settings
from guichet.store import Store
from ivr_flows.closures import TimedClosure, current_closures
from ivr_flows.decision import Mode, RoutingDecision, Target, route
from ivr_flows.loader import load_flow_for
from ivr_flows.mode import read_mode
from ivr_flows.model import Flow
from pbx.astdb import sync_astdb

log = logging.getLogger(__name__)

ROUTE_VARIABLE = "GUICHET_ROUTE"
REASON_VARIABLE = "GUICHET_ROUTE_REASON"
# Asterisk waits for us with the caller on the line: answer fast or give up
CONNECTION_TIMEOUT_S = 5.0

Clock = Callable[[], dt.datetime]
ModeReader = Callable[[], Awaitable[Mode]]
ClosureReader = Callable[[dt.datetime], Awaitable[Sequence[TimedClosure]]]


@dataclass(frozen=True)
class AgiLimits:
    """What one connection may send, and for how long, before it is cut.

    Asterisk sends about 25 ``agi_*`` lines of well under 1 KiB in one burst, then one
    reply per command: anything far beyond that is not Asterisk, and must not make the
    server buffer without bound or hold a connection (and its memory) open."""

    max_line_bytes: int = 4096
    max_lines: int = 200  # environment and command replies together
    max_bytes: int = 64 * 1024  # everything the peer sends on one connection
    header_timeout_s: float = 2.0  # the whole environment, from connect to blank line
    session_timeout_s: float = CONNECTION_TIMEOUT_S  # the whole conversation
    max_connections: int = 64  # served at once; beyond, a connection is closed at once


class AgiProtocolError(Exception):
    """The peer did not speak AGI, or hung up."""


class AgiLimitExceeded(AgiProtocolError):
    """The peer sent more, or longer, than :class:`AgiLimits` allows."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def dialplan_route(decision: RoutingDecision) -> str:
    """The dialplan's word for a decision. The no-controller path has no voicebot: an
    open desk means the reception queue (whose own failure plays "no agent")."""
    return "queue" if decision.desk_open or decision.target is Target.RECEPTION_QUEUE else "closed"


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AgiSession:
    """One FastAGI connection; every line read counts against ``limits``."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: AgiLimits | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.limits = limits or AgiLimits()
        self.env: dict[str, str] = {}
        self.lines_read = 0
        self.bytes_read = 0

    async def read_env(self) -> dict[str, str]:
        while True:
            line = await self._readline()
            if not line:
                return self.env
            key, _, value = line.partition(":")
            self.env[key.strip()] = value.strip()

    async def _readline(self) -> str:
        limits = self.limits
        if self.lines_read >= limits.max_lines:
            raise AgiLimitExceeded(f"more than {limits.max_lines} lines")
        try:
            raw = await self.reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as exc:
            # the stream's buffer limit is max_line_bytes (see FastAgiServer.serve)
            raise AgiLimitExceeded(f"a line longer than {limits.max_line_bytes} bytes") from exc
        except asyncio.IncompleteReadError as exc:
            raise AgiProtocolError("connection closed") from exc
        if len(raw) > limits.max_line_bytes:
            raise AgiLimitExceeded(f"a line longer than {limits.max_line_bytes} bytes")
        self.lines_read += 1
        self.bytes_read += len(raw)
        if self.bytes_read > limits.max_bytes:
            raise AgiLimitExceeded(f"more than {limits.max_bytes} bytes")
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")

    async def command(self, text: str) -> str:
        self.writer.write(text.encode() + b"\n")
        await self.writer.drain()
        while True:
            line = await self._readline()
            # Asterisk announces a hangup in-band; the command's reply still follows
            if line == "HANGUP":
                continue
            if line.startswith("200"):
                return line
            raise AgiProtocolError(f"{text!r} answered {line!r}")

    async def set_variable(self, name: str, value: str) -> None:
        await self.command(f"SET VARIABLE {name} {quote(value)}")


class FastAgiServer:
    """Answers ``agi://host:port/route``. The flow is loaded once (the dialplan
    rendered from it is fixed until Asterisk restarts too); the mode is read from
    the store on every call, so ``guichet mode`` takes effect at once."""

    def __init__(
        self,
        flow: Flow,
        read: ModeReader,
        clock: Clock = _utcnow,
        limits: AgiLimits | None = None,
        closures: ClosureReader | None = None,
    ) -> None:
        self.flow = flow
        self.read_mode = read
        self.read_closures = closures  # the operators' closures (the wallboard's)
        self.clock = clock
        self.limits = limits or AgiLimits()
        self.active = 0  # connections being served now

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.active >= self.limits.max_connections:
            # a flood of idle connections must not starve the calls behind it of
            # memory and descriptors: the dialplan falls back when we close
            log.warning("FastAGI: %d connections open; refusing one more", self.active)
            writer.transport.abort()
            return
        self.active += 1
        session = AgiSession(reader, writer, self.limits)
        clean = False
        try:
            async with asyncio.timeout(self.limits.session_timeout_s):
                async with asyncio.timeout(self.limits.header_timeout_s):
                    env = await session.read_env()
                script = env.get("agi_network_script", "").strip("/")
                if script == "route":
                    await self._route(session)
                else:
                    log.warning("FastAGI: unknown script %r", script[:64])
                    await session.command(f"VERBOSE {quote('guichet: unknown AGI ' + script)} 1")
            clean = True
        except AgiLimitExceeded as exc:
            log.warning("FastAGI: connection cut: %s", exc)
        except TimeoutError:
            log.warning("FastAGI: connection cut: too slow (%d lines read)", session.lines_read)
        except (AgiProtocolError, ConnectionError) as exc:
            log.warning("FastAGI: %s", exc or type(exc).__name__)
        except Exception:
            # a bug here must not take the server down: the dialplan falls back
            log.exception("FastAGI: request failed")
        finally:
            self.active -= 1
            await _close(writer, graceful=clean)

    async def _route(self, session: AgiSession) -> None:
        mode = await self.read_mode()
        now = self.clock()
        closures: Sequence[TimedClosure] = ()
        if self.read_closures is not None:
            try:
                closures = await self.read_closures(now)
            except Exception as exc:  # the hours still decide rather than nobody
                log.warning("FastAGI: closures unreadable (%s); routing by the hours", exc)
        decision = route(self.flow, now, mode, agents_available=True, closures=closures)
        answer = dialplan_route(decision)
        await session.set_variable(REASON_VARIABLE, decision.reason.value)
        await session.set_variable(ROUTE_VARIABLE, answer)
        log.info(
            "agi route: %s (%s: %s) for %s",
            answer,
            decision.reason.value,
            decision.detail,
            session.env.get("agi_channel", "?"),
        )

    async def serve(
        self,
        host: str,
        port: int,
        ready: asyncio.Event | None = None,
        *,
        sock: socket.socket | None = None,
    ) -> None:
        """Serve until cancelled, on ``sock`` when given (already bound: the caller
        reports a port in use before anything starts), else on ``host:port``."""
        # the stream's buffer limit doubles as the longest line readuntil accepts
        if sock is not None:
            server = await asyncio.start_server(
                self.handle, sock=sock, limit=self.limits.max_line_bytes
            )
        else:
            server = await asyncio.start_server(
                self.handle, host, port, reuse_address=True, limit=self.limits.max_line_bytes
            )
        async with server:
            bound = server.sockets[0].getsockname() if server.sockets else (host, port)
            log.info("FastAGI listening on %s:%d", bound[0], bound[1])
            if ready is not None:
                ready.set()
            await server.serve_forever()


async def _close(writer: asyncio.StreamWriter, *, graceful: bool) -> None:
    """Close after a finished conversation; abort (drop what is buffered, send a
    reset) after a cut, so a peer that reads nothing cannot keep us waiting."""
    if not graceful:
        writer.transport.abort()
        return
    writer.close()
    with contextlib.suppress(ConnectionError, TimeoutError):
        async with asyncio.timeout(1.0):
            await writer.wait_closed()


async def serve_fastagi(
    settings: Settings,
    store: Store,
    ready: asyncio.Event,
    sock: socket.socket | None = None,
) -> None:
    """Run the FastAGI server until cancelled; ``ready`` is set once it listens (on
    ``sock`` when the caller bound it already, else on the settings' address).

    Start it right after Asterisk: it first copies the stored day/night mode into
    AstDB, so a mode set while Asterisk was stopped holds on its next start."""
    flow = load_flow_for(settings)
    try:
        mode = await asyncio.to_thread(sync_astdb, settings, store)
        log.info("routing mode %s mirrored into AstDB", mode.value)
    except Exception as exc:  # Asterisk unreachable or refusing: still serve the route
        log.warning("could not re-sync the routing mode into AstDB: %s", exc)

    async def current_mode() -> Mode:
        return await asyncio.to_thread(read_mode, store)

    async def closures(now: dt.datetime) -> Sequence[TimedClosure]:
        return await asyncio.to_thread(current_closures, store, now)

    await FastAgiServer(flow, current_mode, closures=closures).serve(
        settings.agi_host, settings.agi_port, ready, sock=sock
    )
