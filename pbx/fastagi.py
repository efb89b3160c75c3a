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
from collections.abc import Awaitable, Callable

from guichet.settings import Settings
from guichet.store import Store
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


class AgiProtocolError(Exception):
    """The peer did not speak AGI, or hung up."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def dialplan_route(decision: RoutingDecision) -> str:
    """The dialplan's word for a decision. The no-controller path has no voicebot: an
    open desk means the reception queue (whose own failure plays "no agent")."""
    return "queue" if decision.desk_open or decision.target is Target.RECEPTION_QUEUE else "closed"


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AgiSession:
    """One FastAGI connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.env: dict[str, str] = {}

    async def read_env(self) -> dict[str, str]:
        while True:
            line = await self._readline()
            if not line:
                return self.env
            key, _, value = line.partition(":")
            self.env[key.strip()] = value.strip()

    async def _readline(self) -> str:
        raw = await self.reader.readline()
        if not raw:
            raise AgiProtocolError("connection closed")
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

    def __init__(self, flow: Flow, read: ModeReader, clock: Clock = _utcnow) -> None:
        self.flow = flow
        self.read_mode = read
        self.clock = clock

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = AgiSession(reader, writer)
        try:
            async with asyncio.timeout(CONNECTION_TIMEOUT_S):
                env = await session.read_env()
                script = env.get("agi_network_script", "").strip("/")
                if script == "route":
                    await self._route(session)
                else:
                    log.warning("FastAGI: unknown script %r", script)
                    await session.command(f"VERBOSE {quote('guichet: unknown AGI ' + script)} 1")
        except (AgiProtocolError, TimeoutError, ConnectionError) as exc:
            log.warning("FastAGI: %s", exc or type(exc).__name__)
        except Exception:
            # a bug here must not take the server down: the dialplan falls back
            log.exception("FastAGI: request failed")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _route(self, session: AgiSession) -> None:
        mode = await self.read_mode()
        decision = route(self.flow, self.clock(), mode, agents_available=True)
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

    async def serve(self, host: str, port: int, ready: asyncio.Event | None = None) -> None:
        server = await asyncio.start_server(self.handle, host, port, reuse_address=True)
        async with server:
            log.info("FastAGI listening on %s:%d", host, port)
            if ready is not None:
                ready.set()
            await server.serve_forever()


async def serve_fastagi(settings: Settings, store: Store, ready: asyncio.Event) -> None:
    """Run the FastAGI server until cancelled; ``ready`` is set once it listens.

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

    await FastAgiServer(flow, current_mode).serve(settings.agi_host, settings.agi_port, ready)
