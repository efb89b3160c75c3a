"""The purge: personal data older than its retention limit leaves the store.

Run daily inside ``guichet up`` (:func:`serve_privacy_purge`) and on demand with
``guichet privacy purge``. Each kind has its own clock (:class:`RetentionPolicy`);
what is younger than its limit, or still in use (a queued SMS, an open case's number,
a callback not made yet), is never touched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from guichet.casefile.records import CallbackStatus, SmsStatus
from guichet.errors import GuichetError, StoreError
from guichet.privacy.audit import SYSTEM_ACTOR, AuditAction, audit_in
from guichet.privacy.retention import RetentionPolicy
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import (
    AuditEntry,
    Call,
    Callback,
    Case,
    CaseTurn,
    EngineIncident,
    SmsOutboxRow,
    utcnow,
)

log = logging.getLogger(__name__)

PURGE_EVERY_S = 24 * 3600.0
# after a failed purge (the store locked or away): try again sooner than tomorrow
RETRY_AFTER_S = 3600.0
# a callback number stays while the callback is still to be made
_FINISHED_CALLBACKS = (CallbackStatus.DONE.value, CallbackStatus.FAILED.value)
# an SMS still to be sent must keep its number and body
_FINISHED_SMS = (SmsStatus.SENT.value, SmsStatus.FAILED.value)
ERASED_NUMBER = ""  # callbacks.number is NOT NULL: an emptied number reads as none


@dataclass(frozen=True)
class Purged:
    """What one purge removed, per kind."""

    turns: int = 0  # transcript lines deleted
    summaries: int = 0  # case summaries cleared
    notes: int = 0  # agents' callback notes cleared
    sms: int = 0  # SMS rows deleted (number and body)
    case_numbers: int = 0
    call_numbers: int = 0
    callback_numbers: int = 0
    audit: int = 0  # audit rows deleted
    incidents: int = 0  # engine incident rows deleted (with the audit's retention)

    def describe(self) -> str:
        return ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in vars(self).items())


def rows_affected(result: object) -> int:
    """How many rows a bulk UPDATE or DELETE changed (``CursorResult.rowcount``; the
    ORM's ``execute`` is typed to return a plain ``Result``)."""
    return int(getattr(result, "rowcount", 0) or 0)


def purge(
    store: Store, policy: RetentionPolicy, *, actor: str = SYSTEM_ACTOR, now: datetime | None = None
) -> Purged:
    """Remove what each limit has passed, in one transaction, with its audit row."""
    at = now or utcnow()
    transcripts_before = at - policy.transcripts
    numbers_before = at - policy.numbers
    try:
        with store.session() as session:
            # a conversation goes as a whole, once the case has been quiet that long:
            # a turn added, a summary written or a callback closed restarts the clock
            stale = select(Case.id).where(Case.updated_at < transcripts_before)
            turns = session.execute(
                delete(CaseTurn)
                .where(CaseTurn.case_id.in_(stale))
                .execution_options(synchronize_session=False)
            )
            summaries = session.execute(
                update(Case)
                .where(Case.updated_at < transcripts_before, Case.summary.is_not(None))
                .values(summary=None)
                .execution_options(synchronize_session=False)
            )
            notes = session.execute(
                update(Callback)
                .where(Callback.case_id.in_(stale), Callback.note.is_not(None))
                .values(note=None)
                .execution_options(synchronize_session=False)
            )
            sms = session.execute(
                delete(SmsOutboxRow)
                .where(
                    SmsOutboxRow.created_at < at - policy.sms,
                    SmsOutboxRow.status.in_(_FINISHED_SMS),
                )
                .execution_options(synchronize_session=False)
            )
            case_numbers = session.execute(
                update(Case)
                .where(Case.closed_at < numbers_before, Case.caller_number.is_not(None))
                .values(caller_number=None)
                .execution_options(synchronize_session=False)
            )
            call_numbers = session.execute(
                update(Call)
                .where(Call.ended_at < numbers_before, Call.caller.is_not(None))
                .values(caller=None)
                .execution_options(synchronize_session=False)
            )
            callback_numbers = session.execute(
                update(Callback)
                .where(
                    Callback.done_at < numbers_before,
                    Callback.status.in_(_FINISHED_CALLBACKS),
                    Callback.number != ERASED_NUMBER,
                )
                .values(number=ERASED_NUMBER)
                .execution_options(synchronize_session=False)
            )
            audit_rows = session.execute(
                delete(AuditEntry)
                .where(AuditEntry.at < at - policy.audit)
                .execution_options(synchronize_session=False)
            )
            # an incident names a call (its channel id): it goes with the audit rows
            incidents = session.execute(
                delete(EngineIncident)
                .where(EngineIncident.at < at - policy.audit)
                .execution_options(synchronize_session=False)
            )
            audit_in(session, actor, AuditAction.PURGE, "store")
            return Purged(
                turns=rows_affected(turns),
                summaries=rows_affected(summaries),
                notes=rows_affected(notes),
                sms=rows_affected(sms),
                case_numbers=rows_affected(case_numbers),
                call_numbers=rows_affected(call_numbers),
                callback_numbers=rows_affected(callback_numbers),
                audit=rows_affected(audit_rows),
                incidents=rows_affected(incidents),
            )
    except SQLAlchemyError as exc:
        raise StoreError(f"purge failed: {exc}") from exc


async def serve_privacy_purge(
    settings: Settings,
    store: Store,
    *,
    every_s: float = PURGE_EVERY_S,
    retry_s: float = RETRY_AFTER_S,
    on_purged: Callable[[Purged], None] | None = None,
) -> None:
    """For ``guichet up``: purge at start, then every ``every_s`` (a day), until
    cancelled. A failed purge is logged and tried again after ``retry_s``: it must
    not stop the calls. ``on_purged`` sees each purge's counts."""
    policy = RetentionPolicy.from_settings(settings)
    while True:
        try:
            purged = await asyncio.to_thread(purge, store, policy)
        except GuichetError as exc:
            log.warning("privacy purge failed (%s); next try in %.0f s", exc, retry_s)
            delay = min(retry_s, every_s)
        else:
            log.info("privacy purge: %s", purged.describe())
            if on_purged is not None:
                on_purged(purged)
            delay = every_s
        await asyncio.sleep(delay)
