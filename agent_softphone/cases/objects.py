"""The per-object rules on calls and cases, and the audited read of a case.

- supervisor, admin: every call and case;
- agent: the calls app_queue rang them for or connected them to (``case_agents``),
  and those calls' cases;
- expert: the cases of their services (the topic's service, or the service the
  case was escalated to), and the calls and cases they were rung for.

Every read of a case leaves an audit row (actor ``web:<username>``, action
``case.read``) before the case is handed out: a read that cannot be audited is
not shown."""

from __future__ import annotations

import asyncio

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from agent_softphone.access import Principal
from guichet.casefile.records import CaseFile
from guichet.casefile.repository import CaseRepository
from guichet.privacy import AuditAction, audit, case_object
from guichet.store import Store
from guichet.store.models import Case, CaseAgent

__all__ = ["CaseAccess", "may_read_call", "may_read_case", "read_case"]


def _rung_for_call(session: Session, who: Principal, call_id: str) -> bool:
    found = session.scalars(
        select(CaseAgent.id).where(CaseAgent.call_id == call_id, CaseAgent.username == who.username)
    ).first()
    return found is not None


def _rung_for_case(session: Session, who: Principal, case_id: str) -> bool:
    found = session.scalars(
        select(CaseAgent.id).where(CaseAgent.case_id == case_id, CaseAgent.username == who.username)
    ).first()
    return found is not None


def _of_my_services(session: Session, who: Principal, case_id: str) -> bool:
    if not who.services:
        return False
    services = sorted(who.services)
    found = session.scalars(
        select(Case.id).where(
            Case.id == case_id,
            or_(Case.service.in_(services), Case.escalated_to.in_(services)),
        )
    ).first()
    return found is not None


def _call_cases(session: Session, call_id: str) -> list[str]:
    by_call = session.scalars(select(Case.id).where(Case.call_id == call_id)).all()
    by_rows = session.scalars(select(CaseAgent.case_id).where(CaseAgent.call_id == call_id)).all()
    return sorted({*by_call, *by_rows})


def _may_read_case(store: Store, who: Principal, case_id: str) -> bool:
    if who.sees_everything:
        return True
    with store.session() as session:
        if _rung_for_case(session, who, case_id):
            return True
        return who.role == "expert" and _of_my_services(session, who, case_id)


def _may_read_call(store: Store, who: Principal, call_id: str) -> bool:
    if who.sees_everything:
        return True
    with store.session() as session:
        if _rung_for_call(session, who, call_id):
            return True
        if who.role != "expert":
            return False
        return any(_of_my_services(session, who, c) for c in _call_cases(session, call_id))


async def may_read_call(who: Principal, call_id: str, *, store: Store) -> bool:
    """May ``who`` see ``call_id`` (its live events, its transcript)?"""
    return await asyncio.to_thread(_may_read_call, store, who, call_id)


async def may_read_case(who: Principal, case_id: str, *, store: Store) -> bool:
    """May ``who`` read ``case_id``? (An unknown case: False.)"""
    return await asyncio.to_thread(_may_read_case, store, who, case_id)


async def read_case(who: Principal, case_id: str, *, store: Store) -> CaseFile:
    """The case file, after its audit row is written. Check :func:`may_read_case`
    first; raises CaseNotFound, or StoreError/PrivacyError when the audit fails."""
    case_file = await CaseRepository(store).get_case(case_id)
    await asyncio.to_thread(
        audit, store, f"web:{who.username}", AuditAction.CASE_READ, case_object(case_id)
    )
    return case_file


class CaseAccess:
    """The same rules, bound to a store (for routes that hold one)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def may_read_call(self, who: Principal, call_id: str) -> bool:
        return await may_read_call(who, call_id, store=self.store)

    async def may_read_case(self, who: Principal, case_id: str) -> bool:
        return await may_read_case(who, case_id, store=self.store)

    async def read_case(self, who: Principal, case_id: str) -> CaseFile:
        return await read_case(who, case_id, store=self.store)
