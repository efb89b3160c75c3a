"""Calls in the store. Writes run in a worker thread: a durable SQLite commit waits
for the disk, and the event loop must not.

What Asterisk hands over about a caller (the caller ID: any length, any bytes the
network sent) is stored as it came, less what no database takes in text: NUL
(PostgreSQL refuses it) and lone surrogates (not UTF-8)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from guichet.store import Store
from guichet.store.models import Call, CallEvent, utcnow
from pbx.calls.state import (
    Answered,
    CallFacts,
    CallState,
    Ended,
    New,
    StateRecord,
    check_transition,
    decode,
    encode,
)

__all__ = ["CallRecord", "CallRepository"]


@dataclass(frozen=True)
class CallRecord:
    id: str
    state: CallState
    facts: CallFacts = field(default_factory=CallFacts)
    step: StateRecord = field(default_factory=New)  # the typed record of ``state``
    caller: str | None = None
    called: str | None = None
    language: str | None = None  # the channel's, as Asterisk gave it
    started_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None


def _record(call: Call) -> CallRecord:
    state = CallState(call.state)
    facts, step = decode(state, dict(call.state_data or {}))
    return CallRecord(
        id=call.id,
        state=state,
        facts=facts,
        step=step,
        caller=call.caller,
        called=call.called,
        language=call.language,
        started_at=call.started_at,
        ended_at=call.ended_at,
        end_reason=call.end_reason,
    )


def storable(text: str) -> str:
    """``text`` as any backend stores it: NUL dropped, lone surrogates replaced."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


class CallRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    # --- sync bodies, run in a thread ---
    def _create(self, call_id: str, caller: str, called: str, language: str) -> CallRecord:
        with self._store.session() as session:
            call = Call(
                id=call_id,
                caller=storable(caller) or None,
                called=storable(called) or None,
                language=storable(language) or None,
                state=CallState.NEW.value,
                state_data=encode(CallFacts(), New()),
            )
            session.add(call)
            session.add(CallEvent(call_id=call_id, kind="call.started", data={}))
            session.flush()
            return _record(call)

    def _get(self, call_id: str) -> CallRecord | None:
        with self._store.session() as session:
            call = session.get(Call, call_id)
            return _record(call) if call else None

    def _transition(
        self, call_id: str, step: StateRecord, facts: CallFacts, reason: str | None
    ) -> CallRecord:
        state = step.state
        data = encode(facts, step)
        with self._store.session() as session:
            call = session.get(Call, call_id)
            if call is None:
                raise KeyError(call_id)
            current = CallState(call.state)
            if current != state:
                check_transition(call_id, current, state)
            call.state = state.value
            call.state_data = data
            now = utcnow()
            if state == CallState.ANSWERED:
                call.answered_at = now
            if state == CallState.ENDED:
                call.ended_at = now
                call.end_reason = reason
            session.add(
                CallEvent(
                    call_id=call_id, kind=f"state.{state.value}", data={"reason": reason} | data
                )
            )
            session.flush()
            return _record(call)

    def _reenter(self, call_id: str, facts: CallFacts, came_back: str) -> CallRecord:
        # a call handed to a queue came back to Stasis (the caller chose the voicebot,
        # or the queue gave up): a new leg of the same call, from ANSWERED
        data = encode(facts, Answered(came_back=came_back))
        with self._store.session() as session:
            call = session.get(Call, call_id)
            if call is None:
                raise KeyError(call_id)
            call.state = CallState.ANSWERED.value
            call.state_data = data
            call.ended_at = None
            call.end_reason = None
            session.add(CallEvent(call_id=call_id, kind="call.reentered", data=data))
            session.flush()
            return _record(call)

    def _add_event(self, call_id: str, kind: str, data: dict[str, Any]) -> None:
        with self._store.session() as session:
            session.add(CallEvent(call_id=call_id, kind=kind, data=data))

    def _open_calls(self) -> list[CallRecord]:
        with self._store.session() as session:
            rows = session.scalars(select(Call).where(Call.state != CallState.ENDED.value))
            return [_record(c) for c in rows]

    def _events(self, call_id: str) -> list[tuple[str, dict[str, Any]]]:
        with self._store.session() as session:
            rows = session.scalars(
                select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.id)
            )
            return [(e.kind, dict(e.data or {})) for e in rows]

    # --- async API ---
    async def create(self, call_id: str, caller: str, called: str, language: str) -> CallRecord:
        return await asyncio.to_thread(self._create, call_id, caller, called, language)

    async def get(self, call_id: str) -> CallRecord | None:
        return await asyncio.to_thread(self._get, call_id)

    async def transition(
        self,
        call_id: str,
        step: StateRecord,
        facts: CallFacts | None = None,
        reason: str | None = None,
    ) -> CallRecord:
        """Save the call in ``step``'s state (checked against the machine)."""
        return await asyncio.to_thread(
            self._transition, call_id, step, facts or CallFacts(), reason
        )

    async def end(self, call_id: str, facts: CallFacts, reason: str) -> CallRecord:
        return await self.transition(call_id, Ended(), facts, reason)

    async def reenter(self, call_id: str, facts: CallFacts, came_back: str) -> CallRecord:
        return await asyncio.to_thread(self._reenter, call_id, facts, came_back)

    async def add_event(self, call_id: str, kind: str, data: dict[str, Any] | None = None) -> None:
        await asyncio.to_thread(self._add_event, call_id, kind, data or {})

    async def open_calls(self) -> list[CallRecord]:
        return await asyncio.to_thread(self._open_calls)

    async def events(self, call_id: str) -> list[tuple[str, dict[str, Any]]]:
        return await asyncio.to_thread(self._events, call_id)
