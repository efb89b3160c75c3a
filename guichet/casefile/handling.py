"""Who handled which queued call: one ``case_agents`` row per desk account app_queue
rang for a call (AgentCalled), answered on AgentConnect, ended on AgentComplete; the
case each call is on (a call straight from a queue, which the controller never saw,
gets a new one when it is first offered); and the case pop (``CaseOffered``) that
the ringing account's page shows.

The tracker follows the bus (the queue monitor publishes app_queue's events there);
writes run in a worker thread, like every case file write."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guichet.bus import EventBus
from guichet.casefile.records import (
    CaseAgentRecord,
    CaseFile,
    CaseRecord,
    Channel,
    DeskRole,
    Outcome,
    as_utc,
)
from guichet.casefile.repository import CaseRepository, case_record, load_case
from guichet.events import (
    AgentCalled,
    AgentCompleted,
    AgentConnected,
    CaseOffered,
    LiveCall,
    TriedCard,
)
from guichet.logs import mask_number
from guichet.store import Store
from guichet.store.models import Call, Case, CaseAgent, utcnow

__all__ = [
    "OFFERED_TURNS",
    "CaseAgents",
    "case_offered",
    "desk_times",
    "member_username",
    "track_desk_cases",
]

log = logging.getLogger(__name__)

OFFERED_TURNS = 6  # the last turns shown on ring: enough to see what was asked


def member_username(member: str) -> str:
    """The desk account behind a queue member: ``PJSIP/alice`` -> ``alice`` (an
    account's endpoint is its username); ``Local/alice@desk/n`` -> ``alice`` (a
    member reached through the dialplan, the extension named after the account)."""
    tech, _, rest = member.partition("/")
    if not rest:
        return member
    if tech.lower() == "local":
        return rest.split("@", 1)[0]
    return rest


def _agent_record(row: CaseAgent) -> CaseAgentRecord:
    return CaseAgentRecord(
        call_id=row.call_id,
        case_id=row.case_id,
        username=row.username,
        queue=row.queue,
        role=DeskRole(row.role),
        rung_at=as_utc(row.rung_at),
        answered_at=None if row.answered_at is None else as_utc(row.answered_at),
        ended_at=None if row.ended_at is None else as_utc(row.ended_at),
    )


def desk_times(case: Case) -> None:
    """The case's handle and wrap-up times, once what they span is known: handle
    time from the answer to the end of the first agent's leg; wrap-up time from
    that end to the wrap-up, 0 when the agent wrapped up during the call."""
    if case.desk_answered_at is not None and case.desk_ended_at is not None:
        span = (as_utc(case.desk_ended_at) - as_utc(case.desk_answered_at)).total_seconds()
        case.handle_s = round(max(span, 0.0), 3)
    if case.wrapped_up_at is not None and case.desk_ended_at is not None:
        span = (as_utc(case.wrapped_up_at) - as_utc(case.desk_ended_at)).total_seconds()
        case.wrapup_s = round(max(span, 0.0), 3)
    elif case.wrapped_up_at is not None and case.desk_answered_at is not None:
        case.wrapup_s = 0.0  # wrapped up while still talking (an escalation)


def _case_of_call(session: Session, call_id: str) -> Case | None:
    case = session.scalars(
        select(Case).where(Case.call_id == call_id).order_by(Case.created_at.desc())
    ).first()
    if case is not None:
        return case
    row = session.scalars(
        select(CaseAgent).where(CaseAgent.call_id == call_id).order_by(CaseAgent.id)
    ).first()
    return None if row is None else session.get(Case, row.case_id)


def _row(session: Session, call_id: str, username: str) -> CaseAgent | None:
    return session.scalars(
        select(CaseAgent).where(CaseAgent.call_id == call_id, CaseAgent.username == username)
    ).first()


class CaseAgents:
    """The ``case_agents`` rows and the desk times on the case. Every method is one
    short transaction, run in a worker thread."""

    def __init__(self, store: Store, reception_queue: str) -> None:
        self._store = store
        self.reception_queue = reception_queue

    def role_in(self, queue: str) -> DeskRole:
        return DeskRole.AGENT if queue == self.reception_queue else DeskRole.EXPERT

    # --- sync bodies ---
    def _rung(
        self, call_id: str, username: str, queue: str, at: datetime
    ) -> tuple[CaseRecord, CaseAgentRecord]:
        for _ in range(2):
            try:
                with self._store.session() as session:
                    return self._rung_in(session, call_id, username, queue, at)
            except IntegrityError:
                continue  # the same ring written twice at once: the second finds it
        with self._store.session() as session:
            return self._rung_in(session, call_id, username, queue, at)

    def _rung_in(
        self, session: Session, call_id: str, username: str, queue: str, at: datetime
    ) -> tuple[CaseRecord, CaseAgentRecord]:
        case = _case_of_call(session, call_id)
        if case is None:
            # straight from a queue: the controller never opened a case for it. The
            # call's row links it when the controller has one; otherwise the case
            # is found through this row
            known_call = session.get(Call, call_id) is not None
            case = Case(
                id=str(uuid.uuid4()),
                call_id=call_id if known_call else None,
                channel=Channel.PHONE.value,
                caller_number=None,
                language="fr",
                outcome=Outcome.OPEN.value,
                created_at=at,
                updated_at=at,
            )
            session.add(case)
            session.flush()
        row = _row(session, call_id, username)
        if row is None:
            row = CaseAgent(
                call_id=call_id,
                case_id=case.id,
                username=username,
                queue=queue,
                role=self.role_in(queue).value,
                rung_at=at,
            )
            session.add(row)
            session.flush()
        return case_record(case), _agent_record(row)

    def _answered(self, call_id: str, username: str, queue: str, at: datetime) -> CaseAgentRecord:
        with self._store.session() as session:
            row = _row(session, call_id, username)
            if row is None:  # the ring was missed (a monitor that just reconnected)
                self._rung_in(session, call_id, username, queue, at)
                row = _row(session, call_id, username)
                assert row is not None
            if row.answered_at is None:
                row.answered_at = at
            case = load_case(session, row.case_id)
            if case.handled_by is None and row.role == DeskRole.AGENT.value:
                # the first level: the first agent who took the call
                case.handled_by = username
                case.desk_answered_at = at
                case.updated_at = utcnow()
            session.flush()
            return _agent_record(row)

    def _ended(self, call_id: str, username: str, at: datetime) -> CaseAgentRecord | None:
        with self._store.session() as session:
            row = _row(session, call_id, username)
            if row is None:
                return None
            if row.ended_at is None:
                row.ended_at = at
            case = load_case(session, row.case_id)
            if case.handled_by == username and case.desk_ended_at is None:
                case.desk_ended_at = at
                desk_times(case)
                case.updated_at = utcnow()
            session.flush()
            return _agent_record(row)

    def _for_call(self, call_id: str) -> list[CaseAgentRecord]:
        with self._store.session() as session:
            rows = session.scalars(
                select(CaseAgent).where(CaseAgent.call_id == call_id).order_by(CaseAgent.id)
            )
            return [_agent_record(r) for r in rows]

    def _for_case(self, case_id: str) -> list[CaseAgentRecord]:
        with self._store.session() as session:
            rows = session.scalars(
                select(CaseAgent).where(CaseAgent.case_id == case_id).order_by(CaseAgent.id)
            )
            return [_agent_record(r) for r in rows]

    def _case_id(self, call_id: str) -> str | None:
        with self._store.session() as session:
            case = _case_of_call(session, call_id)
            return None if case is None else case.id

    # --- async API ---
    async def rung(
        self, call_id: str, username: str, queue: str, at: datetime | None = None
    ) -> tuple[CaseRecord, CaseAgentRecord]:
        """``username`` was rung for ``call_id`` from ``queue``: its row (the first
        ring's, when rung again), and the call's case, opened if it had none."""
        when = as_utc(at or utcnow())
        return await asyncio.to_thread(self._rung, call_id, username, queue, when)

    async def answered(
        self, call_id: str, username: str, queue: str, at: datetime | None = None
    ) -> CaseAgentRecord:
        when = as_utc(at or utcnow())
        return await asyncio.to_thread(self._answered, call_id, username, queue, when)

    async def ended(
        self, call_id: str, username: str, at: datetime | None = None
    ) -> CaseAgentRecord | None:
        """The account's leg of the call ended; None for a call it was never rung for."""
        return await asyncio.to_thread(self._ended, call_id, username, as_utc(at or utcnow()))

    async def for_call(self, call_id: str) -> list[CaseAgentRecord]:
        return await asyncio.to_thread(self._for_call, call_id)

    async def for_case(self, case_id: str) -> list[CaseAgentRecord]:
        return await asyncio.to_thread(self._for_case, case_id)

    async def case_id_of(self, call_id: str) -> str | None:
        """The case a call is on: the controller's, else the one the desk opened."""
        return await asyncio.to_thread(self._case_id, call_id)


def case_offered(
    case_file: CaseFile,
    *,
    call_id: str,
    agent: str,
    queue: str,
    role: DeskRole,
    live: LiveCall | None = None,
) -> CaseOffered:
    """The pop on ring, from the case file (and what the live view knows: why the
    voicebot handed over, which the store does not keep)."""
    case = case_file.case
    turns = tuple((t.speaker.value, t.text) for t in case_file.turns if t.text.strip())
    seen: dict[str, TriedCard] = {}
    for p in case_file.proposals:
        best = seen.get(p.card_id)
        if best is None or p.confidence > best.confidence:
            seen[p.card_id] = TriedCard(p.card_id, p.title, p.confidence)
    caller = (
        mask_number(case.caller_number) if case.caller_number else (live.caller if live else "")
    )
    return CaseOffered(
        call_id=call_id,
        case_id=case.id,
        agent=agent,
        queue=queue,
        role=role.value,
        caller=caller,
        language=case.language,
        summary=case.summary,
        handed_over=(live.handed_over or "") if live is not None else "",
        topic=case.topic_title,
        service=case.service,
        turns=turns[-OFFERED_TURNS:],
        cards=tuple(seen.values()),
    )


async def track_desk_cases(bus: EventBus, agents: CaseAgents, cases: CaseRepository) -> None:
    """Follow app_queue's ring, connect and complete events until cancelled: write
    ``case_agents`` and the desk times, and publish the case pop on every ring."""
    async with bus.subscribe(types=(AgentCalled, AgentConnected, AgentCompleted)) as events:
        async for event in events:
            if not isinstance(event, AgentCalled | AgentConnected | AgentCompleted):
                continue
            try:
                await _on_queue_event(bus, agents, cases, event)
            except Exception:
                # one call's rows not written must not stop the tracking of the others
                log.exception("call %s: desk case not updated (%s)", event.unique_id, event.type)


async def _on_queue_event(
    bus: EventBus,
    agents: CaseAgents,
    cases: CaseRepository,
    event: AgentCalled | AgentConnected | AgentCompleted,
) -> None:
    username = member_username(event.member)
    match event:
        case AgentCalled():
            case, row = await agents.rung(event.unique_id, username, event.queue, event.at)
            case_file = await cases.get_case(case.id)
            live = next((c for c in bus.snapshot().calls if c.call_id == event.unique_id), None)
            bus.publish(
                case_offered(
                    case_file,
                    call_id=event.unique_id,
                    agent=username,
                    queue=event.queue,
                    role=row.role,
                    live=live,
                )
            )
        case AgentConnected():
            await agents.answered(event.unique_id, username, event.queue, event.at)
        case AgentCompleted():
            await agents.ended(event.unique_id, username, event.at)
