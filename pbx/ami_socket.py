"""AMI over panoramisk, with the shape every long-lived socket has here: connect;
run receive and keepalive; stop when the first ends; close in ``finally``; retry
with backoff.

panoramisk's :class:`~panoramisk.Manager` has habits of its own that fight that
shape, so :class:`_Manager` switches them off (see its docstring). Everything that
leaves this module is a plain ``dict[str, str]`` (Asterisk's header names kept) or
a :mod:`pbx.errors` exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from panoramisk import Manager
from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol

from guichet.settings import Settings
from guichet.tasks import until_first_ends
from pbx.credentials import credentials
from pbx.errors import AmiError, AmiUnavailable

log = logging.getLogger(__name__)

AmiEvent = dict[str, str]
EventHandler = Callable[[AmiEvent], Awaitable[None]]
ConnectedHandler = Callable[[], Awaitable[None]]
DisconnectedHandler = Callable[[], None]


class AmiActionFailed(AmiError):
    """Asterisk answered ``Response: Error`` (the message says why)."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"AMI {action} failed: {message}")
        self.action = action
        self.message = message


@dataclass(frozen=True)
class AmiConfig:
    host: str
    port: int
    user: str
    secret: str
    action_timeout_s: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AmiConfig:
        creds = credentials(settings)
        return cls(
            settings.ami_host,
            settings.ami_port,
            creds.ami_user,
            creds.ami_password,
            settings.ami_action_timeout_s,
        )


def plain(message: Mapping[str, Any]) -> AmiEvent:
    """A panoramisk Message as a plain dict. A header Asterisk repeats arrives as a
    list; it is joined with commas (none of the queue events repeat one)."""
    out: AmiEvent = {}
    for key, value in message.items():
        if key == "content":
            continue
        out[str(key)] = value if isinstance(value, str) else ",".join(map(str, value))
    return out


class _Protocol(AMIProtocol):  # type: ignore[misc]
    """Replies to a *tapped* list action (QueueStatus) are also handed to the event
    sink, in the order they came off the wire: the resync snapshot then lands
    exactly between the events that preceded it and those that followed it."""

    def handle_message(self, message: Any) -> None:
        super().handle_message(message)
        factory = self.factory
        if not isinstance(factory, _Manager) or "event" not in message:
            return
        action_id = message.action_id
        if action_id and action_id in factory.tapped:
            factory.sink(message)
            if str(message["event"]).endswith("Complete"):
                factory.tapped.discard(action_id)


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's Manager for exactly one connection. Switched off:

    - reconnecting by itself after a loss or a failed connect (our loop owns retries,
      with backoff and a resync);
    - its pinger, which never checks the answer (our keepalive times out);
    - re-sending unanswered actions after a reconnect: an agent's QueuePause
      replayed minutes later would be wrong, so they fail now instead;
    - dispatching events to callbacks as untracked tasks: events go to one sink.
    """

    def __init__(self, sink: Callable[[Any], None], **config: Any) -> None:
        super().__init__(**config)
        self.sink = sink
        self.tapped: set[str] = set()

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        if f.cancelled() or f.exception() is not None:
            return  # connect() raises it to whoever awaited it
        super().connection_made(f)

    def ping(self) -> None:
        pass

    def dispatch(self, event: Any) -> list[str]:
        self.sink(event)
        return []

    def connection_lost(self, exc: Any) -> None:
        self._connected = False
        self.fail_pending("AMI connection lost")
        self.sink(None)

    def fail_pending(self, why: str) -> None:
        while self.awaiting_actions:
            action = self.awaiting_actions.popleft()
            if not action.future.done():
                action.future.set_exception(AmiUnavailable(why))


_LOST = None


class AmiConnection:
    """One logged-in AMI connection: actions with a timeout, events in order."""

    def __init__(self, config: AmiConfig, *, events: bool = True) -> None:
        self.config = config
        self._events_on = events
        self._events: asyncio.Queue[AmiEvent | None] = asyncio.Queue()
        self._manager: _Manager | None = None
        self._lost = False

    def _sink(self, message: Any) -> None:
        if message is _LOST:
            self._lost = True
            self._events.put_nowait(None)
        elif self._events_on:
            self._events.put_nowait(plain(message))

    async def open(self) -> None:
        cfg = self.config
        manager = _Manager(
            self._sink,
            host=cfg.host,
            port=cfg.port,
            username=cfg.user,
            secret=cfg.secret,
            events="on" if self._events_on else "off",
            protocol_factory=_Protocol,
            ping_delay=3600,
            reconnect_timeout=0,
            log=log,
        )
        self._manager = manager
        try:
            await asyncio.wait_for(manager.connect(), cfg.action_timeout_s)
        except (OSError, TimeoutError) as exc:
            raise AmiUnavailable(f"AMI at {cfg.host}:{cfg.port} unreachable: {exc}") from exc
        login = manager.authenticated_future
        if login is None:
            raise AmiUnavailable("AMI login was not sent")
        try:
            reply = await asyncio.wait_for(login, cfg.action_timeout_s)
        except TimeoutError as exc:
            raise AmiUnavailable("AMI login unanswered") from exc
        if not reply.success:
            raise AmiUnavailable(f"AMI login refused for {cfg.user!r}: {reply.get('Message')}")

    def close(self) -> None:
        if self._manager is not None:
            self._manager.close()
            self._manager.fail_pending("AMI connection closed")

    async def action(
        self, fields: Mapping[str, str], *, as_list: bool = False, in_order: bool = False
    ) -> list[AmiEvent]:
        """Send an action; the reply (and, for a list action, its events up to the
        ``…Complete`` one). ``as_list`` must be right: panoramisk guesses otherwise
        and waits for ever on QueueAdd ("Added interface to queue" looks like the
        start of a list to it). ``in_order``: the list events also go to the event
        stream, in wire order."""
        manager = self._manager
        name = fields.get("Action", "?")
        if manager is None or manager.protocol is None or manager.protocol.closed or self._lost:
            raise AmiUnavailable(f"AMI not connected ({name})")
        action = Action(dict(fields), as_list=as_list)
        if in_order:
            manager.tapped.add(action.id)
        future = manager.send_action(action, as_list=as_list)
        try:
            reply = await asyncio.wait_for(future, self.config.action_timeout_s)
        except TimeoutError as exc:
            raise AmiError(f"AMI {name} unanswered after {self.config.action_timeout_s} s") from exc
        finally:
            manager.tapped.discard(action.id)
        messages = [plain(m) for m in (reply if isinstance(reply, list) else [reply])]
        if messages and messages[0].get("Response", "").lower() in ("error", "fail", "failure"):
            raise AmiActionFailed(name, messages[0].get("Message", ""))
        return messages

    async def next_event(self) -> AmiEvent:
        event = await self._events.get()
        if event is None:
            raise AmiUnavailable("AMI connection lost")
        return event


@contextlib.asynccontextmanager
async def ami_session(config: AmiConfig, *, events: bool = False) -> AsyncIterator[AmiConnection]:
    """A short-lived connection (the CLI, ``guichet status``), closed on exit."""
    connection = AmiConnection(config, events=events)
    try:
        await connection.open()
        yield connection
    finally:
        connection.close()


class AmiEventSocket:
    """The long-lived AMI connection: forever connect, serve, reconnect with backoff.
    ``on_connected`` runs beside the receiver on every (re)connect (the resync);
    ``on_disconnected`` runs when a connection that was up ends."""

    def __init__(
        self,
        config: AmiConfig,
        on_event: EventHandler,
        on_connected: ConnectedHandler,
        *,
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        keepalive_s: float = 10.0,
        on_disconnected: DisconnectedHandler | None = None,
    ) -> None:
        self._config = config
        self._on_disconnected = on_disconnected
        self._on_event = on_event
        self._on_connected = on_connected
        self._initial_backoff = initial_backoff_s
        self._max_backoff = max_backoff_s
        self._keepalive = keepalive_s
        self._current: AmiConnection | None = None
        self.connected = asyncio.Event()
        self.connections = 0

    async def run(self) -> None:
        """Forever: connect, serve, and reconnect with backoff. Cancel to stop."""
        backoff = self._initial_backoff
        while True:
            connection = AmiConnection(self._config)
            try:
                await connection.open()
                backoff = self._initial_backoff
                await self._serve(connection)
            except asyncio.CancelledError:
                raise
            except AmiError as exc:
                log.warning("AMI socket: %s; retrying in %.1f s", exc, backoff)
            finally:
                was_up = self.connected.is_set()
                self.connected.clear()
                self._current = None
                connection.close()
                if was_up and self._on_disconnected is not None:
                    self._on_disconnected()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def _serve(self, connection: AmiConnection) -> None:
        self.connections += 1
        log.info("AMI socket connected (%d)", self.connections)
        self._current = connection
        self.connected.set()
        # resync runs beside the receiver: events that arrive meanwhile are not lost
        await until_first_ends(
            self._receive(connection),
            self._keepalive_loop(connection),
            beside=self._on_connected(),
        )

    async def _receive(self, connection: AmiConnection) -> None:
        while True:
            await self._on_event(await connection.next_event())

    async def _keepalive_loop(self, connection: AmiConnection) -> None:
        # panoramisk's own ping never looks at the answer; a half-open TCP connection
        # (Asterisk frozen, a firewall dropping state) is only noticed by a timeout
        while True:
            await asyncio.sleep(self._keepalive)
            await connection.action({"Action": "Ping"})

    async def action(
        self, fields: Mapping[str, str], *, as_list: bool = False, in_order: bool = False
    ) -> list[AmiEvent]:
        """An action on the current connection; AmiUnavailable between connections."""
        connection = self._current
        if connection is None:
            raise AmiUnavailable(f"AMI not connected ({fields.get('Action', '?')})")
        return await connection.action(fields, as_list=as_list, in_order=in_order)
