"""Desk states: what an agent's page asks (available, paused with a reason, wrap-up,
logged out), applied to the queues through :class:`guichet.desk.DeskControl`,
stored (``agent_states``) and published (:class:`guichet.events.DeskStateChanged`).

Two things happen without the page, so they live here, in tasks this object owns:

- a wrap-up ends by itself after ``wrapup_s``: the agent is available again;
- presence: every open desk page holds a websocket; when the last one of an
  account closes and none comes back within ``presence_grace_s`` (a reload comes
  back at once), the account is logged out of its queues.

Requests for one account are serialised (a lock each): a click and the wrap-up's
end cannot interleave their AMI actions or their rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from typing import Protocol

from agent_softphone.desk.store import DeskStateRepository, StateView
from guichet.bus import EventBus
from guichet.desk import DESK_STATES, DeskControl, DeskPolicy
from guichet.errors import GuichetError
from guichet.events import DeskStateChanged
from guichet.store import Store
from guichet.store.models import utcnow
from guichet.tasks import TaskOwner

__all__ = ["DeskPerson", "DeskStateError", "DeskStates", "DeskUnavailable"]

log = logging.getLogger(__name__)

PAGE_CLOSED = "page closed"


class DeskPerson(Protocol):
    """What the desk needs of a signed-in person (``agent_softphone.access.Principal``)."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def services(self) -> Iterable[str]: ...


class DeskStateError(GuichetError):
    """The queues refused the change (Asterisk said no, or could not be reached)."""


class DeskUnavailable(DeskStateError):
    """This web app has no call side (started without ``guichet up``'s wiring)."""


class DeskStates:
    def __init__(
        self,
        store: Store,
        bus: EventBus | None,
        control: DeskControl | None,
        policy: DeskPolicy,
    ) -> None:
        self._repo = DeskStateRepository(store)
        self._bus = bus
        self._control = control
        self.policy = policy
        self._tasks = TaskOwner("desk states")
        self._locks: dict[str, asyncio.Lock] = {}
        self._wrapups: dict[str, asyncio.Task[None]] = {}
        self._pages: dict[str, int] = {}
        self._leaving: dict[str, asyncio.Task[None]] = {}

    # --- states ---------------------------------------------------------------

    def queues_for(self, person: DeskPerson) -> list[str]:
        return self.policy.queues.queues_for(person.role, person.services)

    async def current(self, username: str) -> StateView:
        return await asyncio.to_thread(self._repo.current, username)

    async def set(self, person: DeskPerson, state: str, reason: str = "") -> StateView:
        if state not in DESK_STATES:
            raise ValueError(f"unknown desk state {state!r}")
        lock = self._locks.setdefault(person.username, asyncio.Lock())
        async with lock:
            timer = self._wrapups.pop(person.username, None)
            if timer is not None and timer is not asyncio.current_task():
                await self._tasks.cancel(timer)
            return await self._apply(person, state, reason)

    async def _apply(self, person: DeskPerson, state: str, reason: str) -> StateView:
        if self._control is None:
            raise DeskUnavailable("no call side: the desk cannot change queue states")
        queues = self.queues_for(person)
        if state == "paused" and not reason:
            reason = "pause"
        if state in ("available", "logged_out"):
            reason = "" if state == "available" else reason
        try:
            await self._control.set_agent_state(person.username, queues, state, reason)
        except GuichetError as exc:
            raise DeskStateError(f"the queues refused {state}: {exc}") from exc
        until: dt.datetime | None = None
        if state == "wrapup":
            until = utcnow() + dt.timedelta(seconds=self.policy.wrapup_s)
        view = await asyncio.to_thread(
            self._repo.record, person.username, state, reason, queues, until
        )
        if state == "wrapup":
            self._wrapups[person.username] = self._tasks.spawn(
                self._end_wrapup(person), name=f"wrap-up {person.username}"
            )
        if self._bus is not None:
            self._bus.publish(
                DeskStateChanged(
                    username=person.username,
                    state=state,
                    reason=reason,
                    until=until,
                    queues=tuple(queues),
                    since=view.since,
                )
            )
        log.info("desk: %s is %s%s", person.username, state, f" ({reason})" if reason else "")
        return view

    async def _end_wrapup(self, person: DeskPerson) -> None:
        # a timer, not a synchronisation: the wrap-up lasts this long unless ended
        await asyncio.sleep(self.policy.wrapup_s)
        lock = self._locks.setdefault(person.username, asyncio.Lock())
        async with lock:
            if self._wrapups.get(person.username) is not asyncio.current_task():
                return  # replaced while it waited for the lock
            del self._wrapups[person.username]
            try:
                await self._apply(person, "available", "")
            except DeskStateError:
                log.exception("desk: %s: the wrap-up could not end", person.username)

    # --- presence -------------------------------------------------------------

    def page_opened(self, person: DeskPerson) -> None:
        self._pages[person.username] = self._pages.get(person.username, 0) + 1
        leaving = self._leaving.pop(person.username, None)
        if leaving is not None:
            leaving.cancel()  # came back within the grace: stays logged in

    def page_closed(self, person: DeskPerson) -> None:
        left = self._pages.get(person.username, 0) - 1
        if left > 0:
            self._pages[person.username] = left
            return
        self._pages.pop(person.username, None)
        if person.username not in self._leaving:
            self._leaving[person.username] = self._tasks.spawn(
                self._log_out_after_grace(person), name=f"left {person.username}"
            )

    def pages(self, username: str) -> int:
        return self._pages.get(username, 0)

    async def _log_out_after_grace(self, person: DeskPerson) -> None:
        try:
            await asyncio.sleep(self.policy.presence_grace_s)  # a reload comes back first
        finally:
            if self._leaving.get(person.username) is asyncio.current_task():
                del self._leaving[person.username]
        if self._pages.get(person.username, 0) > 0:
            return
        current = await self.current(person.username)
        if current.state == "logged_out":
            return
        try:
            await self.set(person, "logged_out", PAGE_CLOSED)
        except DeskStateError:
            log.exception("desk: %s closed the page but stays in the queues", person.username)

    async def aclose(self) -> None:
        await self._tasks.aclose()
