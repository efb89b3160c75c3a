"""Rows as the call side and the case file write them, with the times a test needs
(the repositories stamp "now"; retention is about the past)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from guichet.store import Store
from guichet.store.models import (
    AuditEntry,
    Base,
    Call,
    Callback,
    Case,
    CaseProposal,
    CaseTurn,
    SmsOutboxRow,
)


def add_call(store: Store, *, caller: str | None, started: datetime, ended: datetime | None) -> str:
    call_id = f"chan-{uuid.uuid4().hex[:12]}"
    with store.session() as session:
        session.add(
            Call(
                id=call_id,
                caller=caller,
                called="3000",
                language="fr",
                state="ended" if ended else "voicebot",
                state_data={"case_id": "", "lang": "fr", "lang_known": True},
                started_at=started,
                answered_at=started,
                ended_at=ended,
                end_reason="completed" if ended else None,
            )
        )
    return call_id


def add_case(
    store: Store,
    *,
    number: str | None,
    updated: datetime,
    closed: datetime | None = None,
    call_id: str | None = None,
    words: tuple[str, ...] = ("Quels sont les horaires ?",),
    summary: str | None = "L'usager demande les horaires.",
    outcome: str = "answered_by_bot",
) -> str:
    case_id = str(uuid.uuid4())
    with store.session() as session:
        session.add(
            Case(
                id=case_id,
                call_id=call_id,
                channel="phone",
                caller_number=number,
                language="fr",
                topic_card_id="horaires-mairie",
                topic_title="Horaires de la mairie",
                service="accueil",
                outcome=outcome,
                summary=summary,
                created_at=updated,
                updated_at=updated,
                closed_at=closed,
            )
        )
        session.flush()
        for seq, text in enumerate(words, start=1):
            session.add(CaseTurn(case_id=case_id, seq=seq, speaker="caller", text=text, at=updated))
        session.add(
            CaseProposal(
                case_id=case_id, card_id="horaires-mairie", confidence=0.9, turn_seq=1, at=updated
            )
        )
    return case_id


def add_callback(
    store: Store,
    case_id: str,
    *,
    number: str,
    requested: datetime,
    done: datetime | None = None,
    status: str = "pending",
    note: str | None = None,
) -> str:
    callback_id = str(uuid.uuid4())
    with store.session() as session:
        session.add(
            Callback(
                id=callback_id,
                reference=f"CB-{uuid.uuid4().hex[:8].upper()}",
                case_id=case_id,
                number=number,
                service="etat-civil",
                language="fr",
                requested_at=requested,
                due_by=requested,
                status=status,
                done_at=done,
                done_by="agent1" if done else None,
                note=note,
            )
        )
    return callback_id


def add_sms(store: Store, *, to: str, body: str, created: datetime, status: str = "sent") -> str:
    sms_id = str(uuid.uuid4())
    with store.session() as session:
        session.add(
            SmsOutboxRow(
                id=sms_id,
                idempotency_key=f"callback:{sms_id}",
                to_number=to,
                body=body,
                status=status,
                attempts=1,
                next_attempt_at=created,
                created_at=created,
                sent_at=created if status == "sent" else None,
            )
        )
    return sms_id


def add_audit(store: Store, *, at: datetime, obj: str = "case:x") -> int:
    with store.session() as session:
        row = AuditEntry(at=at, actor="web:agent1", action="case.read", object=obj)
        session.add(row)
        session.flush()
        return row.id


def everything(store: Store) -> str:
    """Every value in every table of the store, as one text: what a search for a
    number or a sentence anywhere in the store would find."""
    values: list[Any] = []
    with store.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(sa.select(table)):
                values.extend(row)
    return "\n".join(str(v) for v in values)
