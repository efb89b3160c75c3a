"""The call side of :class:`guichet.opening.OpeningControl`: the wallboard's
day/night/auto switch and today's closures, stored where the routing reads them on
every call (the controller's route step and the FastAGI fallback), the mode also
mirrored into AstDB, each change audited and published on the bus.

A mode set outside this process (``guichet mode``, another instance) is published
too: while :meth:`PbxOpening.watching` is open (the web app's lifespan), the stored
mode's stamp is read once a period (``opening_watch_s``), and a write this process
did not make is published once, with ``by`` from its audit row."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from guichet.bus import EventBus
from guichet.errors import GuichetError
from guichet.events import ClosureAdded, ClosureRemoved, RoutingModeChanged
from guichet.opening import MODES, ClosureView, OpeningError, OpeningState
from guichet.privacy.audit import audit
from guichet.settings import Settings
from guichet.store import Store
from guichet.tasks import TaskOwner
from ivr_flows.closures import TimedClosure, add_closure, current_closures, remove_closure
from ivr_flows.decision import Mode, route
from ivr_flows.errors import ModeError
from ivr_flows.mode import read_mode, write_mode
from ivr_flows.model import Flow
from pbx.astdb import mirror_to_asterisk
from pbx.mode_stamp import MODE_ACTION, ModeStamp, mode_object, read_stamp, written_by

__all__ = ["PbxOpening"]

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

# a write seen before its audit row (the writer audits just after): looked at again
# this many periods for who made it, then published without
AUDIT_WAIT_PERIODS = 2
WATCH_BACKOFF_MAX_S = 30.0  # the store failing: read less often, up to this


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _view(closure: TimedClosure) -> ClosureView:
    return ClosureView(
        id=closure.id,
        reason=closure.reason,
        starts_at=closure.starts_at,
        ends_at=closure.ends_at,
        created_by=closure.created_by,
        created_at=closure.created_at,
    )


class PbxOpening:
    """``mirror`` False: the mode is only stored (tests without Asterisk; the
    routing reads the store, AstDB serves only the controller-down dialplan)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        flow: Flow,
        bus: EventBus | None = None,
        *,
        mirror: bool = True,
        clock: Clock = _utcnow,
    ) -> None:
        self._settings = settings
        self._store = store
        self._flow = flow
        self._bus = bus
        self._mirror = mirror
        self._clock = clock
        # the last write of the mode this process knows of (its own, or one it
        # published); taken with the lock, so that its own is never seen as another's
        self._seen: ModeStamp | None = None
        self._baseline = False  # _seen read once: what differs now is a change
        self._unaudited = 0  # periods a new write has waited for its audit row
        self._seen_lock = threading.Lock()

    def _state(self) -> OpeningState:
        now = self._clock()
        try:
            mode = read_mode(self._store)
            closures = current_closures(self._store, now)
        except ModeError as exc:
            raise OpeningError(str(exc)) from exc
        # as the next call would be routed with a reception agent logged in; the
        # wallboard shows who is
        decision = route(self._flow, now, mode, agents_available=True, closures=closures)
        return OpeningState(
            mode=mode.value,
            target=decision.target.value,
            reason=decision.reason.value,
            detail=decision.detail,
            desk_open=decision.desk_open,
            next_opening=decision.next_opening,
            closures=tuple(_view(c) for c in closures),
        )

    async def state(self) -> OpeningState:
        return await asyncio.to_thread(self._state)

    def _set_mode(self, mode: Mode, by: str) -> None:
        with self._seen_lock:
            try:
                write_mode(self._store, mode)
                audit(self._store, by, MODE_ACTION, mode_object(mode))
            except GuichetError as exc:
                raise OpeningError(str(exc)) from exc
            try:
                self._seen, self._baseline = read_stamp(self._store), True
            except GuichetError as exc:
                # the watcher then sees it as another's and announces it once more
                log.warning("routing mode %s set; its stamp unread: %s", mode.value, exc)
        if not self._mirror:
            return
        try:
            mirror_to_asterisk(self._settings, mode)
        except GuichetError as exc:
            # stored: the controller and FastAGI read the store on every call; only the
            # controller-down dialplan waits for the next sync
            log.warning("routing mode %s stored but not mirrored: %s", mode.value, exc)

    async def set_mode(self, mode: str, *, by: str) -> OpeningState:
        if mode not in MODES:
            raise OpeningError(f"unknown mode {mode!r}")
        await asyncio.to_thread(self._set_mode, Mode(mode), by)
        log.info("routing mode set to %s by %s", mode, by)
        if self._bus is not None:
            self._bus.publish(RoutingModeChanged(mode=mode, by=by))
        return await self.state()

    def _add(
        self, reason: str, starts_at: dt.datetime, ends_at: dt.datetime, by: str
    ) -> TimedClosure:
        try:
            closure = add_closure(self._store, reason, starts_at, ends_at, by=by)
            audit(self._store, by, "routing.closure_add", f"closure:{closure.id}")
        except GuichetError as exc:
            raise OpeningError(str(exc)) from exc
        return closure

    async def add_closure(
        self, reason: str, starts_at: dt.datetime, ends_at: dt.datetime, *, by: str
    ) -> ClosureView:
        closure = await asyncio.to_thread(self._add, reason, starts_at, ends_at, by)
        log.info("closure %d (%s) added by %s", closure.id, closure.reason, by)
        if self._bus is not None:
            self._bus.publish(
                ClosureAdded(
                    closure_id=closure.id,
                    reason=closure.reason,
                    starts_at=closure.starts_at,
                    ends_at=closure.ends_at,
                    by=by,
                )
            )
        return _view(closure)

    def _remove(self, closure_id: int, by: str) -> bool:
        try:
            removed = remove_closure(self._store, closure_id, by=by)
            if removed:
                audit(self._store, by, "routing.closure_remove", f"closure:{closure_id}")
        except GuichetError as exc:
            raise OpeningError(str(exc)) from exc
        return removed

    async def remove_closure(self, closure_id: int, *, by: str) -> None:
        if not await asyncio.to_thread(self._remove, closure_id, by):
            raise OpeningError(f"no closure {closure_id} in force")
        if self._bus is not None:
            self._bus.publish(ClosureRemoved(closure_id=closure_id, by=by))

    def _check(self) -> RoutingModeChanged | None:
        """One read of the stored stamp: the change to publish, if another wrote it."""
        with self._seen_lock:
            try:
                stamp = read_stamp(self._store)
                if not self._baseline or stamp is None or stamp == self._seen:
                    self._seen, self._baseline = stamp, True
                    return None
                by = written_by(self._store, stamp)
            except GuichetError as exc:
                raise OpeningError(str(exc)) from exc
            if by is None and self._unaudited < AUDIT_WAIT_PERIODS:
                self._unaudited += 1
                return None
            self._seen, self._unaudited = stamp, 0
            return RoutingModeChanged(mode=stamp.mode.value, by=by or "")

    async def check_store(self) -> RoutingModeChanged | None:
        """Read the stored mode once; a write made outside this process since the
        last read is published on the bus and returned. What the watcher runs each
        period; raises OpeningError when the store cannot be read."""
        change = await asyncio.to_thread(self._check)
        if change is not None:
            log.info("routing mode set to %s by %s (outside)", change.mode, change.by or "?")
            if self._bus is not None:
                self._bus.publish(change)
        return change

    async def _watch(self) -> None:
        period = self._settings.opening_watch_s
        delay = period
        while True:
            await asyncio.sleep(delay)  # a period, not a synchronisation
            try:
                await self.check_store()
            except OpeningError as exc:
                delay = min(max(delay, period) * 2, WATCH_BACKOFF_MAX_S)
                log.warning("routing mode watch: %s; next try in %.1f s", exc, delay)
                continue
            delay = period

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """While open, a mode set outside this process is published within a
        period. What is stored on entry is the starting point, not a change."""
        try:
            await self.check_store()
        except OpeningError as exc:  # the watcher's first good read is the start
            log.warning("routing mode watch: %s", exc)
        owner = TaskOwner("opening-watch")
        owner.spawn(self._watch(), "mode")
        try:
            yield
        finally:
            await owner.aclose()
