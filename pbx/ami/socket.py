"""The long-lived AMI connection: a :class:`~pbx.sockets.ReconnectingSocket` around
:class:`~pbx.ami.connection.AmiConnection`, for the queue monitor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from pbx.ami.connection import AmiConfig, AmiConnection, AmiEvent
from pbx.errors import AmiError, AmiUnavailable
from pbx.sockets import Backoff, ConnectedHandler, DisconnectedHandler, ReconnectingSocket

EventHandler = Callable[[AmiEvent], Awaitable[None]]


class AmiEventSocket(ReconnectingSocket[AmiConnection]):
    """Forever connect, serve, reconnect with backoff. ``on_connected`` runs beside
    the receiver on every (re)connect (the resync); ``on_disconnected`` runs when a
    connection that was up ends. :meth:`action` goes over the current connection."""

    name = "AMI socket"
    transient = (AmiError,)

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
        super().__init__(
            on_connected,
            backoff=Backoff(initial_backoff_s, max_backoff_s),
            keepalive_s=keepalive_s,
            on_disconnected=on_disconnected,
        )
        self._config = config
        self._on_event = on_event

    async def connect(self) -> AmiConnection:
        connection = AmiConnection(self._config)
        try:
            await connection.open()
        except BaseException:
            connection.close()  # a refused login leaves a TCP connection open
            raise
        return connection

    async def receive(self, connection: AmiConnection) -> None:
        while True:
            await self._on_event(await connection.next_event())

    async def ping(self, connection: AmiConnection) -> None:
        # panoramisk's own ping never looks at the answer; a half-open TCP connection
        # (Asterisk frozen, a firewall dropping state) is only noticed by a timeout
        await connection.action({"Action": "Ping"})

    async def close(self, connection: AmiConnection) -> None:
        connection.close()

    async def action(
        self, fields: Mapping[str, str], *, as_list: bool = False, in_order: bool = False
    ) -> list[AmiEvent]:
        """An action on the current connection; AmiUnavailable between connections."""
        connection = self.current
        if connection is None:
            raise AmiUnavailable(f"AMI not connected ({fields.get('Action', '?')})")
        return await connection.action(fields, as_list=as_list, in_order=in_order)
