"""One Stasis application as its users see it: where it connects
(:class:`AriConnection`), which channels are in it now and who waits for one to
enter or leave (:class:`AppChannels`), and the clean-up after a (re)connect of the
channels and bridges a controller that died left behind
(:meth:`AppChannels.remove_orphans`); and :func:`serve_application`, its events
beside the feature's own follower of the bus.

The call controller, live assist and supervision each run their own application;
live assist and supervision make snoop and media channels and bridges named with
their own prefix, which nobody else would ever remove.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from guichet.settings import Settings
from guichet.tasks import TaskOwner, cancel_and_wait
from pbx.ari.rest import AriRest
from pbx.ari.socket import AriEventSocket, EventHandler
from pbx.errors import AriError
from pbx.sockets import ConnectedHandler

__all__ = [
    "ORPHAN_WAIT_S",
    "AppChannels",
    "AriConnection",
    "serve_application",
    "wind_up_calls",
]

ORPHAN_WAIT_S = 5.0  # a hung-up orphan's StasisEnd, at most this


@dataclass(frozen=True)
class AriConnection:
    """Where and how one Stasis application reaches Asterisk's ARI."""

    base_url: str
    app: str
    user: str
    password: str
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 10.0

    @classmethod
    def from_settings(
        cls, settings: Settings, *, app: str, user: str, password: str
    ) -> AriConnection:
        """``app`` on the settings' Asterisk, reconnecting with the settings' back-off."""
        return cls(
            settings.ari_base_url,
            app,
            user,
            password,
            initial_backoff_s=settings.reconnect_initial_s,
            max_backoff_s=settings.reconnect_max_s,
        )

    def socket(self, on_event: EventHandler, on_connected: ConnectedHandler) -> AriEventSocket:
        """The application's events websocket (not yet running)."""
        return AriEventSocket(
            self.base_url,
            self.app,
            self.user,
            self.password,
            on_event,
            on_connected,
            initial_backoff_s=self.initial_backoff_s,
            max_backoff_s=self.max_backoff_s,
        )


class AppChannels:
    """The channels now in one application, as its StasisStart and StasisEnd told
    them, and the futures of those waiting for a channel to enter or to leave."""

    def __init__(self) -> None:
        self._in_app: set[str] = set()
        self._entered: dict[str, asyncio.Future[None]] = {}
        self._left: dict[str, asyncio.Future[None]] = {}

    def expect_start(self, channel_id: str) -> asyncio.Future[None]:
        """Done when the channel enters the application."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._entered[channel_id] = future
        return future

    def expect_end(self, channel_id: str) -> asyncio.Future[None]:
        """Done when the channel has left the application (at once if it is not in)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if channel_id in self._in_app:
            self._left[channel_id] = future
        else:
            future.set_result(None)
        return future

    def entered(self, channel_id: str) -> None:
        """The channel's StasisStart."""
        self._in_app.add(channel_id)
        future = self._entered.pop(channel_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    def left(self, channel_id: str) -> None:
        """The channel's StasisEnd (or its end however it came)."""
        self._in_app.discard(channel_id)
        future = self._left.pop(channel_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    def stop_expecting_start(self, channel_id: str) -> asyncio.Future[None] | None:
        """The channel's :meth:`expect_start` future, if any, which no StasisStart
        resolves from now on (the caller may fail it)."""
        return self._entered.pop(channel_id, None)

    async def remove_orphans(
        self,
        rest: AriRest,
        app: str,
        *,
        owned: Collection[str],
        bridge_prefix: str,
        owned_bridges: Callable[[], Collection[str]],
        name: str,
        log: logging.Logger,
    ) -> None:
        """Hang up the application's channels that are not ``owned`` and destroy
        the bridges named ``bridge_prefix…`` not in ``owned_bridges()``: what a
        controller that died left behind. ``owned_bridges`` is asked only after the
        hang-ups, as the calls that own bridges may have changed meanwhile.
        ``name`` and ``log``: the feature's, for its log lines."""
        try:
            channels = await rest.application_channel_ids(app)
        except AriError as exc:
            log.warning("%s resync failed: %s", name, exc)
            return
        orphans = [c for c in channels if c not in owned]
        self._in_app |= set(channels)
        leaving = [self.expect_end(c) for c in orphans]
        for channel_id in orphans:
            with contextlib.suppress(AriError):
                await rest.hangup(channel_id)
        if leaving:
            # a REST hang-up completes later: the channels are gone at their StasisEnd
            await asyncio.wait(leaving, timeout=ORPHAN_WAIT_S)
            log.info("%s: %d orphan channels removed", name, sum(f.done() for f in leaving))
        for channel_id in orphans:
            self._left.pop(channel_id, None)
        kept = owned_bridges()
        try:
            bridge_ids = await rest.bridge_ids()
        except AriError as exc:
            log.warning("%s bridges not listed: %s", name, exc)
            return
        for bridge_id in bridge_ids:
            if bridge_id.startswith(bridge_prefix) and bridge_id not in kept:
                log.info("%s: orphan bridge %s destroyed", name, bridge_id)
                with contextlib.suppress(AriError):
                    await rest.destroy_bridge(bridge_id)


async def serve_application(
    ari: AriConnection,
    on_event: EventHandler,
    on_connected: ConnectedHandler,
    *,
    follow: Callable[[], asyncio.Task[None]],
    wind_up: Callable[[asyncio.Task[None]], Awaitable[None]],
) -> None:
    """Until cancelled, or until either ends: the application's events socket and
    the task ``follow()`` starts (a bug in either is raised here). Then
    ``wind_up(that task)`` while the application's events still come (the calls'
    channels' StasisEnd), and the socket goes last."""
    receiver = asyncio.ensure_future(ari.socket(on_event, on_connected).run())
    follower = follow()
    try:
        await asyncio.wait({receiver, follower}, return_when="FIRST_COMPLETED")
        for task in (receiver, follower):
            if task.done():
                task.result()  # a bug in either: raised here
    finally:
        await wind_up(follower)
        await cancel_and_wait(receiver)


async def wind_up_calls(
    follower: asyncio.Task[None],
    ended: Iterable[asyncio.Event],
    running: Iterable[asyncio.Task[Any]],
    tasks: TaskOwner,
    grace_s: float,
) -> None:
    """What an application's ``wind_up`` does: stop following, tell every call it has
    ended, give their tasks ``grace_s`` to finish while the application's events still
    come (their channels' StasisEnd), then cancel and await what is left."""
    await cancel_and_wait(follower)
    for event in ended:
        event.set()
    pending = set(running)
    if pending:
        await asyncio.wait(pending, timeout=grace_s)
    await tasks.aclose()
