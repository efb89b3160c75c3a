"""Desk states: what an agent's page asks (available, paused with a reason, wrap-up,
logged out), applied to the queues through :class:`guichet.desk.DeskControl`,
stored (``agent_states``) and published (:class:`guichet.events.DeskStateChanged`).

Two things happen without the page, so they live here, in tasks this object owns:

- a wrap-up ends by itself after ``wrapup_s``: the agent is available again;
- presence: every open desk page holds a websocket; when the last one of an
  account closes and none comes back within ``presence_grace_s`` (a reload comes
  back at once), the account is logged out of its queues;
- a start (:meth:`DeskStates.start`): no page is open yet, so every account the
  store still has in the queues gets that same grace. Its page reconnects by itself
  within it (a restart changes nothing for an agent at work); one that never does
  (the browser was closed meanwhile, the account disabled or deleted) leaves its
  queues, else the wallboard and the KPIs would count it logged in for ever.

Requests for one account are serialised (a lock each): a click and the wrap-up's
end cannot interleave their AMI actions or their rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from agent_softphone.desk.store import DeskStateRepository, StateView
from guichet.accounts import AccountRepository
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
NO_PAGE_AFTER_RESTART = "no page after restart"
# After a restart the grace is this many times longer: a page that lost the server has
# been backing off (static/desk/socket.js: up to 10 s between tries, the default grace),
# so its next try may come a whole delay after the server is back.
RESTART_GRACE_FACTOR = 3


class DeskPerson(Protocol):
    """What the desk needs of a signed-in person (``agent_softphone.access.Principal``)."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def services(self) -> Iterable[str]: ...


@dataclass(frozen=True)
class _Deleted:
    """An account the store's states name but its accounts no longer do: it serves
    no queue now; its log-out leaves the queues its state was stored with."""

    username: str
    role: str = ""
    services: tuple[str, ...] = ()


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
        self._accounts = AccountRepository(store)
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
        return await self._change(person, state, reason)

    async def _change(
        self, person: DeskPerson, state: str, reason: str, queues: Sequence[str] | None = None
    ) -> StateView:
        lock = self._locks.setdefault(person.username, asyncio.Lock())
        async with lock:
            timer = self._wrapups.pop(person.username, None)
            if timer is not None and timer is not asyncio.current_task():
                await self._tasks.cancel(timer)
            return await self._apply(person, state, reason, queues)

    async def _apply(
        self, person: DeskPerson, state: str, reason: str, queues: Sequence[str] | None = None
    ) -> StateView:
        """``queues``: where the change applies (default: those ``person`` serves)."""
        if self._control is None:
            raise DeskUnavailable("no call side: the desk cannot change queue states")
        queues = list(queues) if queues is not None else self.queues_for(person)
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

    async def start(self) -> None:
        """At the web app's start: every account stored in a state other than
        ``logged_out`` is as if its last page had just closed (see the module's
        note). Returns once the graces are running; pages may then connect."""
        if self._control is None:
            return  # no call side: no queue to leave, and nothing could be changed
        stored = await asyncio.to_thread(self._repo.logged_in)
        if not stored:
            return
        accounts = {a.username: a for a in await asyncio.to_thread(self._accounts.list)}
        for view in stored:
            name = view.username
            if self._pages.get(name, 0) > 0 or name in self._leaving:
                continue  # a page came (or left) already: presence has it
            account = accounts.get(name)
            # a disabled account's sessions are gone: its page cannot come back either
            person: DeskPerson = account if account is not None else _Deleted(name)
            self._leaving[name] = self._tasks.spawn(
                self._log_out_after_grace(
                    person,
                    NO_PAGE_AFTER_RESTART,
                    self.policy.presence_grace_s * RESTART_GRACE_FACTOR,
                ),
                name=f"restarted {name}",
            )
        log.info("desk: %d account(s) in the queues wait for their page", len(stored))

    async def _log_out_after_grace(
        self, person: DeskPerson, reason: str = PAGE_CLOSED, grace_s: float | None = None
    ) -> None:
        try:
            # a timer, not a synchronisation: a reload comes back first
            await asyncio.sleep(self.policy.presence_grace_s if grace_s is None else grace_s)
        finally:
            if self._leaving.get(person.username) is asyncio.current_task():
                del self._leaving[person.username]
        if self._pages.get(person.username, 0) > 0:
            return
        current = await self.current(person.username)
        if current.state == "logged_out":
            return
        # the queues it was stored in too: its role or services may have changed since
        queues = sorted({*self.queues_for(person), *current.queues})
        try:
            await self._change(person, "logged_out", reason, queues)
        except DeskStateError:
            log.exception(
                "desk: %s has no page (%s) but stays in the queues", person.username, reason
            )

    async def aclose(self) -> None:
        await self._tasks.aclose()
