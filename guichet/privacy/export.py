"""``export_number``: everything the store holds about a phone number, as one JSON
object (the right of access, GDPR art. 15).

A case reached through its callback may have been opened from another phone, and a
callback of the citizen's case may go to another number: those other numbers are
someone else's data and are left out (``"other"``), never shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from guichet.errors import StoreError
from guichet.privacy.audit import AuditAction, audit_in, case_object, number_object
from guichet.privacy.retention import RetentionPolicy
from guichet.privacy.subject import citizen_number, find_holdings, same_number
from guichet.store import Store
from guichet.store.models import AuditEntry, Call, Callback, Case, SmsOutboxRow, utcnow

EXPORT_FORMAT = 1
OTHER = "other"  # a number that is not the citizen's


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _own(value: str | None, number: str) -> str | None:
    if value is None or value == "":
        return None
    return value if same_number(value, number) else OTHER


def _case(case: Case, callbacks: list[Callback], number: str) -> dict[str, Any]:
    return {
        "id": case.id,
        "channel": case.channel,
        "language": case.language,
        "caller_number": _own(case.caller_number, number),
        "topic": case.topic_title,
        "service": case.service,
        "outcome": case.outcome,
        "summary": case.summary,
        "created_at": _at(case.created_at),
        "updated_at": _at(case.updated_at),
        "closed_at": _at(case.closed_at),
        "transcript": [
            {"seq": t.seq, "speaker": t.speaker, "text": t.text, "at": _at(t.at)}
            for t in case.turns
        ],
        "cards_proposed": [
            {"card_id": p.card_id, "title": p.title, "confidence": p.confidence, "at": _at(p.at)}
            for p in case.proposals
        ],
        "callbacks": [
            {
                "reference": c.reference,
                "number": _own(c.number, number),
                "service": c.service,
                "status": c.status,
                "requested_at": _at(c.requested_at),
                "due_by": _at(c.due_by),
                "done_at": _at(c.done_at),
                "note": c.note,
            }
            for c in callbacks
        ],
    }


def _call(call: Call, number: str) -> dict[str, Any]:
    return {
        "id": call.id,
        "caller": _own(call.caller, number),
        "called": call.called,
        "language": call.language,
        "started_at": _at(call.started_at),
        "answered_at": _at(call.answered_at),
        "ended_at": _at(call.ended_at),
        "end_reason": call.end_reason,
    }


def _sms(row: SmsOutboxRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "to": row.to_number,
        "body": row.body,
        "status": row.status,
        "created_at": _at(row.created_at),
        "sent_at": _at(row.sent_at),
    }


def export_number(
    store: Store, raw_number: str, *, actor: str, policy: RetentionPolicy | None = None
) -> dict[str, Any]:
    """What the store holds about ``raw_number``, JSON-ready; audited as ``actor``.

    ``accesses``: when the citizen's cases were read or handled, and how (not by whom:
    the staff's names are theirs). ``retention_days``: how long each kind is kept."""
    number = citizen_number(raw_number)
    try:
        with store.session() as session:
            held = find_holdings(session, number)
            cases = session.scalars(
                select(Case).where(Case.id.in_(held.case_ids)).order_by(Case.created_at)
            ).all()
            callbacks = session.scalars(
                select(Callback)
                .where(Callback.id.in_(held.callback_ids))
                .order_by(Callback.requested_at)
            ).all()
            calls = session.scalars(
                select(Call).where(Call.id.in_(held.call_ids)).order_by(Call.started_at)
            ).all()
            sms = session.scalars(
                select(SmsOutboxRow)
                .where(SmsOutboxRow.id.in_(held.sms_ids))
                .order_by(SmsOutboxRow.created_at)
            ).all()
            accesses = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.object.in_([case_object(c) for c in held.case_ids]))
                .order_by(AuditEntry.at)
            ).all()
            exported: dict[str, Any] = {
                "format": EXPORT_FORMAT,
                "number": number,
                "exported_at": _at(utcnow()),
                "cases": [
                    _case(case, [c for c in callbacks if c.case_id == case.id], number)
                    for case in cases
                ],
                "calls": [_call(call, number) for call in calls],
                "sms": [_sms(row) for row in sms],
                "accesses": [
                    {"at": _at(a.at), "action": a.action, "object": a.object} for a in accesses
                ],
            }
            if policy is not None:
                exported["retention_days"] = policy.as_days()
            audit_in(session, actor, AuditAction.EXPORT, number_object(number))
            return exported
    except SQLAlchemyError as exc:
        raise StoreError(f"export failed: {exc}") from exc
