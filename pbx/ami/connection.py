"""One logged-in AMI connection over panoramisk: actions with a timeout, events in
order. The long-lived one (:class:`pbx.ami.socket.AmiEventSocket`) reconnects around
it; the CLI and ``guichet status`` open a short one (:func:`ami_session`,
:func:`run_on_ami`).

No CLI commands over AMI: the account has no "command" right (``asterisk-config/
manager.conf``), which would let whoever holds its secret run any CLI command. What
Guichet asks of an Asterisk it does not run has an action of its own (AstDB: DBPut,
DBGet, under "system").

panoramisk's :class:`~panoramisk.Manager` has habits of its own that fight the shape
of our sockets (connect; receive and keep alive; close; retry with backoff), so
:class:`_Manager` switches them off (see its docstring). Everything that leaves this
module is a plain ``dict[str, str]`` (Asterisk's header names kept), a string, or a
:mod:`pbx.errors` exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from panoramisk import Manager
from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol

from guichet.settings import Settings
from pbx.credentials import credentials
from pbx.errors import AmiError, AmiUnavailable, AsteriskRuntimeError

log = logging.getLogger(__name__)
T = TypeVar("T")

AmiEvent = dict[str, str]


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
        messages = [plain(m) for m in await self._send(fields, as_list, in_order)]
        if messages and messages[0].get("Response", "").lower() in ("error", "fail", "failure"):
            raise AmiActionFailed(fields.get("Action", "?"), messages[0].get("Message", ""))
        return messages

    async def db_put(self, family: str, key: str, value: str) -> None:
        """Write one AstDB entry (DBPut)."""
        await self.action({"Action": "DBPut", "Family": family, "Key": key, "Val": value})

    async def db_get(self, family: str, key: str) -> str | None:
        """One AstDB entry (DBGet), None when there is none. Asterisk answers an entry
        with a list (an ack that says "will follow", DBGetResponse, DBGetComplete) and
        a missing one with a lone error, so the reply's shape is left to panoramisk's
        guess, which tells those two apart."""
        fields = {"Action": "DBGet", "Family": family, "Key": key}
        messages = [plain(m) for m in await self._send(fields, None, False)]
        first = messages[0] if messages else {}
        if first.get("Response", "").lower() in ("error", "fail", "failure"):
            message = first.get("Message", "")
            if "not found" in message.lower():
                return None
            raise AmiActionFailed("DBGet", message)
        return next((m.get("Val", "") for m in messages if m.get("Event") == "DBGetResponse"), None)

    async def _send(
        self, fields: Mapping[str, str], as_list: bool | None, in_order: bool
    ) -> list[Any]:
        """The raw panoramisk messages of the reply (``as_list`` None: its guess)."""
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
        return reply if isinstance(reply, list) else [reply]

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


def run_on_ami(
    settings: Settings, work: Callable[[AmiConnection], Awaitable[T]], timeout: float = 10.0
) -> T:
    """``work`` on a short AMI session, from synchronous code (the CLI, a worker
    thread): for an Asterisk Guichet does not run."""
    config = replace(AmiConfig.from_settings(settings), action_timeout_s=timeout)

    async def over_ami() -> T:
        async with ami_session(config) as ami:
            return await work(ami)

    try:
        return asyncio.run(asyncio.wait_for(over_ami(), timeout))
    except (AmiError, OSError, TimeoutError) as exc:
        raise AsteriskRuntimeError(f"AMI failed: {exc}") from exc
