"""The rows the KPIs are read from (a call and its events, cases, turns, queue events,
card uses, callbacks, SMS), with the columns the product's writers fill in. One
builder for the hand-worked store (``tests/kpis/seed.py``) and the benchmark's year of
calls (``tests/bench/bench_kpis.py``): they differ only in how a row reaches the store
(``write``: one ORM session a row, or batched Core inserts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from guichet.store import Store, models

__all__ = ["NUMBER", "PARENTS_FIRST", "KpiRows", "Turn", "Write", "write_each"]

NUMBER = "+33612345678"  # every caller's: the KPIs never show one
# the tables in an order that satisfies the foreign keys (a batch writer flushes so)
PARENTS_FIRST = (
    models.Call,
    models.CallEvent,
    models.Case,
    models.CaseTurn,
    models.QueueEvent,
    models.CardUse,
    models.Callback,
    models.SmsOutboxRow,
)
# (at, speaker, text, card_id, confidence)
Turn = tuple[datetime, str, str, str | None, float | None]


class Write(Protocol):
    def __call__(self, model: Any, **row: Any) -> None: ...


def write_each(store: Store) -> Write:
    """Each row in its own ORM session (a few dozen rows)."""

    def write(model: Any, **row: Any) -> None:
        with store.session() as session:
            session.add(model(**row))

    return write


@dataclass
class KpiRows:
    write: Write

    def call(
        self,
        call_id: str,
        started: datetime,
        *,
        answered: datetime,
        ended: datetime,
        voicebot_at: datetime | None = None,
        **columns: Any,
    ) -> None:
        """An ended call with the events the controller logs (``state.voicebot`` when
        the bot took it)."""
        self.write(
            models.Call,
            id=call_id,
            caller=NUMBER,
            state="ended",
            state_data={},
            started_at=started,
            answered_at=answered,
            ended_at=ended,
            **columns,
        )
        events = [("call.started", started), ("state.answered", started)]
        if voicebot_at is not None:
            events.append(("state.voicebot", voicebot_at))
        for kind, at in events:
            self.write(models.CallEvent, call_id=call_id, kind=kind, at=at, data={})

    def case(
        self,
        case_id: str,
        created: datetime,
        outcome: str,
        *,
        call_id: str | None = None,
        channel: str = "phone",
        **desk: Any,
    ) -> None:
        self.write(
            models.Case,
            id=case_id,
            call_id=call_id,
            channel=channel,
            caller_number=NUMBER,
            language="fr",
            outcome=outcome,
            created_at=created,
            updated_at=created,
            **desk,
        )

    def turns(self, case_id: str, turns: Iterable[Turn]) -> None:
        for seq, (at, speaker, text, card, confidence) in enumerate(turns, start=1):
            self.write(
                models.CaseTurn,
                case_id=case_id,
                seq=seq,
                speaker=speaker,
                text=text,
                at=at,
                card_id=card,
                confidence=confidence,
            )

    def queue(self, at: datetime, queue: str, kind: str, caller: str, **columns: Any) -> None:
        self.write(models.QueueEvent, at=at, queue=queue, kind=kind, caller_id=caller, **columns)

    def answered_in_queue(
        self,
        caller: str,
        queue: str,
        joined: datetime,
        *,
        wait_s: float,
        talk_s: float,
        member: str,
        **connect: Any,
    ) -> datetime:
        """Joined, answered by ``member`` after ``wait_s``, hung up after ``talk_s``
        (Asterisk's queue_log order). Returns when the member answered."""
        answered = joined + timedelta(seconds=wait_s)
        wait = {"wait_s": wait_s, "member": member}
        self.queue(joined, queue, "QueueCallerJoin", caller, member=member)
        self.queue(answered, queue, "QueueCallerLeave", caller, **wait)
        self.queue(answered, queue, "AgentConnect", caller, **wait, **connect)
        end = answered + timedelta(seconds=talk_s)
        self.queue(end, queue, "AgentComplete", caller, **wait, talk_s=talk_s)
        return answered

    def abandoned_in_queue(
        self, caller: str, queue: str, joined: datetime, *, wait_s: float, member: str | None
    ) -> None:
        gone = joined + timedelta(seconds=wait_s)
        self.queue(joined, queue, "QueueCallerJoin", caller, member=member)
        for kind in ("QueueCallerAbandon", "QueueCallerLeave"):
            self.queue(gone, queue, kind, caller, wait_s=wait_s, member=member)

    def card_use(
        self, case_id: str, call_id: str, card: str, kind: str, at: datetime, username: str
    ) -> None:
        self.write(
            models.CardUse,
            case_id=case_id,
            call_id=call_id,
            card_id=card,
            username=username,
            kind=kind,
            at=at,
        )

    def callback(
        self,
        callback_id: str,
        reference: str,
        case_id: str,
        service: str,
        *,
        requested: datetime,
        due: datetime,
        status: str,
        done: datetime | None,
    ) -> None:
        self.write(
            models.Callback,
            id=callback_id,
            reference=reference,
            case_id=case_id,
            number=NUMBER,
            service=service,
            language="fr",
            requested_at=requested,
            due_by=due,
            status=status,
            done_at=done,
        )

    def sms(
        self,
        sms_id: str,
        key: str,
        *,
        status: str,
        created: datetime,
        sent: datetime | None,
        body: str,
        **columns: Any,
    ) -> None:
        self.write(
            models.SmsOutboxRow,
            id=sms_id,
            idempotency_key=key,
            to_number=NUMBER,
            body=body,
            status=status,
            created_at=created,
            next_attempt_at=created,
            sent_at=sent,
            **columns,
        )
