"""Rows the web tests write before they ask: a call a queue rang an agent for (its case
and ``case_agents`` row), a pending callback (its case). One writer for the access grid,
the route tests and the click-to-call tests, so a column added to these tables is
filled in once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from guichet.store import Store
from guichet.store.models import Call, Callback, Case, CaseAgent, CaseTurn

__all__ = ["seed_callback", "seed_rung_call"]


def seed_rung_call(
    store: Store,
    *,
    call_id: str,
    username: str,
    call_state: str | None = "ended",
    case_id: str | None = None,
    answered: bool = True,
    service: str | None = None,
    caller_number: str | None = None,
    caller_said: Sequence[str] = (),
) -> str:
    """A phone call from the reception queue that rang ``username`` (answered unless
    told), on an open case; ``call_state`` None: no ``calls`` row (the case is then
    not linked to one). The caller's lines become the case's turns. Returns the case id."""
    case_id = case_id or str(uuid.uuid4())
    now = datetime.now(UTC)
    with store.session() as session:
        if call_state is not None:
            session.add(Call(id=call_id, caller="0612345678", state=call_state, state_data={}))
            session.flush()
        session.add(
            Case(
                id=case_id,
                call_id=call_id if call_state is not None else None,
                channel="phone",
                caller_number=caller_number,
                language="fr",
                service=service,
                outcome="open",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        session.add(
            CaseAgent(
                call_id=call_id,
                case_id=case_id,
                username=username,
                queue="reception",
                role="agent",
                rung_at=now,
                answered_at=now if answered else None,
            )
        )
        for seq, text in enumerate(caller_said, 1):
            session.add(CaseTurn(case_id=case_id, seq=seq, speaker="caller", text=text, at=now))
    return case_id


def seed_callback(
    store: Store,
    service: str,
    number: str,
    *,
    due_in_h: float = 1.0,
) -> str:
    """A pending callback of ``service`` to ``number``, on its own case (summary
    "Demande pour <service>"). Returns the callback's id."""
    case_id, callback_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    with store.session() as session:
        session.add(
            Case(
                id=case_id,
                channel="phone",
                caller_number=number,
                language="fr",
                service=service,
                summary=f"Demande pour {service}",
                outcome="callback",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        session.add(
            Callback(
                id=callback_id,
                reference="CB-" + uuid.uuid4().hex[:5].upper(),
                case_id=case_id,
                number=number,
                service=service,
                language="fr",
                requested_at=now,
                due_by=now + timedelta(hours=due_in_h),
                status="pending",
            )
        )
    return callback_id
