"""Which calls a desk account may act on: those it was rung for or answered (the
``case_agents`` rows the queue events write).

A minimal check of live assist's own, until ``agent_softphone.cases.objects`` (the
shared per-object rules) takes its place."""

from __future__ import annotations

from sqlalchemy import select

from agent_softphone.access import Principal
from guichet.store import Store
from guichet.store.models import CaseAgent

__all__ = ["handles_call"]


def handles_call(store: Store, who: Principal, call_id: str) -> bool:
    """Blocking (a store read)."""
    with store.session() as session:
        row = session.scalars(
            select(CaseAgent.id).where(
                CaseAgent.call_id == call_id, CaseAgent.username == who.username
            )
        ).first()
        return row is not None
