"""The audit log: who read, exported, erased or purged personal data, and when.

``audit(store, actor, action, object)`` is the one call every part makes (the web app
on each read of a case, the privacy commands on each request). A row holds no
personal data, so that it can outlive what it records: name a case by its id
(:func:`case_object`), a phone number only masked (:func:`number_object`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from guichet.errors import StoreError
from guichet.logs import mask_number
from guichet.privacy.errors import PrivacyError
from guichet.store import Store
from guichet.store.models import AuditEntry, utcnow

# the columns' lengths (guichet.store.models.AuditEntry, migration 0006)
MAX_ACTOR = 64
MAX_ACTION = 32
MAX_OBJECT = 128


class AuditAction(StrEnum):
    """The actions Guichet audits. :func:`audit` takes any short name; these are the
    ones its own parts write."""

    CASE_READ = "case.read"  # the web app showed a case (transcript, number, summary)
    EXPORT = "privacy.export"
    ERASE = "privacy.erase"
    PURGE = "privacy.purge"


SYSTEM_ACTOR = "system"  # what Guichet does by itself (the daily purge)


def case_object(case_id: str) -> str:
    return f"case:{case_id}"


def number_object(number: str) -> str:
    """``number:+336…78``: which request it was, without keeping the number."""
    return f"number:{mask_number(number)}"


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    object: str


def _checked(what: str, value: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise PrivacyError(f"audit: the {what} is empty")
    if len(text) > limit:
        # refused, not cut: a truncated audit row would name someone else's case
        raise PrivacyError(f"audit: the {what} is longer than {limit} characters")
    return text


def _record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(row.id, row.at, row.actor, row.action, row.object)


def audit_in(session: Session, actor: str, action: str, object: str) -> AuditRecord:
    """Add an audit row to ``session``'s transaction: it commits, or rolls back, with
    what it records (an erasure and its row are one unit)."""
    row = AuditEntry(
        at=utcnow(),
        actor=_checked("actor", actor, MAX_ACTOR),
        action=_checked("action", str(action), MAX_ACTION),
        object=_checked("object", object, MAX_OBJECT),
    )
    session.add(row)
    session.flush()
    return _record(row)


def audit(store: Store, actor: str, action: str, object: str) -> AuditRecord:
    """Record that ``actor`` did ``action`` to ``object``, in a transaction of its own.

    ``actor``: ``"web:<login>"``, ``"cli:<user>"``, ``"system"``. ``action``: an
    :class:`AuditAction` or another short name. ``object``: :func:`case_object`,
    :func:`number_object`, ``"store"``. Raises :class:`PrivacyError` for an empty or
    too long value, :class:`~guichet.errors.StoreError` when the store fails; a read
    that must be audited should not be shown then."""
    try:
        with store.session() as session:
            return audit_in(session, actor, action, object)
    except SQLAlchemyError as exc:
        raise StoreError(f"audit row not written: {exc}") from exc


def audit_trail(
    store: Store,
    *,
    object: str | None = None,
    limit: int = 100,
) -> list[AuditRecord]:
    """The latest audit rows, newest first; only those about ``object`` if given."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if object is not None:
        query = query.where(AuditEntry.object == object)
    try:
        with store.session() as session:
            return [_record(row) for row in session.scalars(query)]
    except SQLAlchemyError as exc:
        raise StoreError(f"audit rows not read: {exc}") from exc
