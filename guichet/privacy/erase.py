"""``erase_number``: the right to erasure (GDPR art. 17) for a phone number.

What is personal goes: the transcripts, summaries and notes of the citizen's cases,
their callbacks (pending ones included: nobody will call a number that asked to be
forgotten), the SMS to the number, the number on cases and calls. What is not stays,
so the statistics still add up: a case keeps its channel, outcome, topic and dates,
a call its times and route. The audit rows stay too (they hold no number), with
one more for the erasure, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.exc import SQLAlchemyError

from guichet.errors import StoreError
from guichet.privacy.audit import AuditAction, audit_in, number_object
from guichet.privacy.purge import rows_affected
from guichet.privacy.subject import citizen_number, find_holdings
from guichet.store import Store
from guichet.store.models import Call, Callback, Case, CaseTurn, SmsOutboxRow


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed (counts: what a person reads back)."""

    cases: int  # cases emptied of transcript, summary and number
    turns: int
    callbacks: int
    sms: int
    calls: int  # calls whose caller ID was cleared

    @property
    def nothing(self) -> bool:
        return not (self.cases or self.turns or self.callbacks or self.sms or self.calls)


def erase_number(store: Store, raw_number: str, *, actor: str) -> Erasure:
    """Erase what the store holds about ``raw_number``; audited as ``actor``."""
    number = citizen_number(raw_number)
    try:
        with store.session() as session:
            held = find_holdings(session, number)
            cases = list(held.case_ids)
            turns = session.execute(delete(CaseTurn).where(CaseTurn.case_id.in_(cases)))
            callbacks = session.execute(delete(Callback).where(Callback.id.in_(held.callback_ids)))
            session.execute(update(Case).where(Case.id.in_(cases)).values(summary=None))
            # a case reached through its callback keeps the number it was opened from:
            # another phone, maybe another person's
            session.execute(
                update(Case)
                .where(Case.id.in_(cases), Case.caller_number == number)
                .values(caller_number=None)
            )
            sms = session.execute(delete(SmsOutboxRow).where(SmsOutboxRow.id.in_(held.sms_ids)))
            calls = session.execute(
                update(Call).where(Call.id.in_(held.call_ids)).values(caller=None)
            )
            audit_in(session, actor, AuditAction.ERASE, number_object(number))
            return Erasure(
                cases=len(cases),
                turns=rows_affected(turns),
                callbacks=rows_affected(callbacks),
                sms=rows_affected(sms),
                calls=rows_affected(calls),
            )
    except SQLAlchemyError as exc:
        raise StoreError(f"erasure failed: {exc}") from exc
