"""The SMS outbox: rows written in the same transaction as what they announce, sent
by a worker that survives crashes without losing or doubling a message.

How a row moves: ``queued`` → (claimed) ``sending`` → ``sent`` | ``queued`` again
with a later ``next_attempt_at`` (exponential backoff) | ``failed``. A row written
``refused`` (a cap said no when it was queued, see :class:`SmsCaps`) is never sent.

- Claiming is a compare-and-swap on (status, attempts), committed before the send:
  two workers, or two passes, never both send one row.
- A row already ``sent`` is never picked again.
- A crash between the provider's "accepted" and our "sent" leaves the row in
  ``sending``. After the lease (``sms_sending_lease_s``) a worker takes it again and
  first asks the provider whether that message to that number was already accepted
  (engines that can tell); only if not does it send.
- Rate limit per number: past ``sms_per_number_per_hour`` SMS sent to one number in
  the last hour, a row fails with ``rate_limited``, it is not deferred. Anyone can key
  in anyone's number; deferring would still flood that phone, later. The callback
  itself stands and is listed for the agents whatever happens to its SMS.
  Before its send a row takes one of its number's slots (``sent_at`` set while still
  ``sending``), counting and taking in one step, one worker at a time per number:
  two workers that each counted before the other had sent would both send.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from guichet.casefile.errors import SmsError
from guichet.casefile.phone_numbers import normalize_number, parse_countries
from guichet.casefile.records import SmsRecord, SmsStatus, as_utc, as_utc_opt
from guichet.casefile.sms import SmsEngine, make_sms_engine
from guichet.logs import mask_number
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import Callback, Case, SmsOutboxRow, utcnow
from guichet.tasks import TaskOwner

log = logging.getLogger(__name__)

RATE_LIMITED = "rate_limited"
# why a cap refused an SMS (``last_error`` of a ``refused`` row)
CAP_PER_DESTINATION = "cap_per_destination"
CAP_PER_CALLER = "cap_per_caller"
CAP_PER_DAY = "cap_per_day"
# PostgreSQL advisory locks are keyed by two int4: this class names "an SMS number's
# hourly slots" ("SMS1"); the other key is a hash of the number
_NUMBER_LOCK_CLASS = 0x534D5331
# and this one "the SMS caps" ("SMS2"), one lock for all: a booking's count and its
# row must not interleave with another booking's, whichever numbers they concern
_CAPS_LOCK_CLASS = 0x534D5332


def _number_lock_key(number: str) -> int:
    digest = hashlib.blake2b(number.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def queue_sms(
    session: Session,
    key: str,
    to: str,
    body: str,
    now: datetime,
    *,
    refused: str | None = None,
) -> SmsOutboxRow:
    """Add an SMS to the outbox inside the caller's transaction. ``to`` is E.164.
    The same ``key`` twice gives the first row back: enqueueing is idempotent.
    ``refused``: the row is written ``refused`` with this reason, and never sent."""
    existing = session.scalars(
        select(SmsOutboxRow).where(SmsOutboxRow.idempotency_key == key)
    ).first()
    if existing is not None:
        return existing
    row = SmsOutboxRow(
        id=str(uuid.uuid4()),
        idempotency_key=key,
        to_number=to,
        body=body,
        status=(SmsStatus.QUEUED if refused is None else SmsStatus.REFUSED).value,
        attempts=0,
        next_attempt_at=as_utc(now),
        created_at=as_utc(now),
        last_error=refused,
    )
    session.add(row)
    return row


@dataclass(frozen=True)
class SmsCaps:
    """How many SMS a caller can make the city send, checked when one is queued.

    Anyone can key in anyone's number: without caps a caller could have the city's
    sender text one person over and over, or many people once each. Counted over the
    last 24 hours, on rows that were queued (sent or not; refused ones do not count):

    - ``per_destination``: SMS to one number;
    - ``per_caller``: SMS from callbacks booked on calls from one calling number (the
      case's caller ID; calls with none, withheld, share one allowance, or hiding
      the number would lift the cap);
    - ``per_day``: all SMS of the city.

    Past a cap the SMS is written ``refused`` (the reason in ``last_error``) and a
    warning logged, with masked numbers; what it announced (a callback) stands.
    """

    per_destination: int = 3
    per_caller: int = 3
    per_day: int = 300
    window: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsCaps:
        return cls(
            per_destination=settings.sms_cap_per_destination_per_day,
            per_caller=settings.sms_cap_per_caller_per_day,
            per_day=settings.sms_cap_per_day,
        )

    def refusal(
        self,
        session: Session,
        *,
        to: str,
        caller: str | None,
        now: datetime,
        label: str,
    ) -> str | None:
        """The reason to refuse one more SMS to ``to``, booked on a call from
        ``caller``; None when it may be queued. Call it in the transaction that writes
        the row. ``label`` names the SMS in the log line (a callback reference)."""
        if session.get_bind().dialect.name == "postgresql":
            # under READ COMMITTED two bookings would each count without the other's
            # row: one at a time, until commit. (SQLite: the booking already holds
            # its one write lock, taken by lock_case.)
            session.execute(select(func.pg_advisory_xact_lock(_CAPS_LOCK_CLASS, 0)))
        since = as_utc(now) - self.window
        counted = (
            SmsOutboxRow.status != SmsStatus.REFUSED.value,
            SmsOutboxRow.created_at > since,
        )
        by_caller = (
            select(func.count())
            .select_from(SmsOutboxRow)
            .join(
                Callback,
                SmsOutboxRow.idempotency_key == callback_sms_key_expr(Callback.id),
            )
            .join(Case, Case.id == Callback.case_id)
            .where(
                *counted,
                Case.caller_number.is_(None) if caller is None else Case.caller_number == caller,
            )
        )
        checks = (
            (
                CAP_PER_DESTINATION,
                self.per_destination,
                select(func.count())
                .select_from(SmsOutboxRow)
                .where(*counted, SmsOutboxRow.to_number == to),
            ),
            (CAP_PER_CALLER, self.per_caller, by_caller),
            (
                CAP_PER_DAY,
                self.per_day,
                select(func.count()).select_from(SmsOutboxRow).where(*counted),
            ),
        )
        for reason, cap, query in checks:
            used = session.scalar(query) or 0
            if used >= cap:
                log.warning(
                    "SMS for %s refused: %s (%d of %d in %d h; to %s, call from %s)",
                    label,
                    reason,
                    used,
                    cap,
                    round(self.window.total_seconds() / 3600),
                    mask_number(to),
                    mask_number(caller),
                )
                return reason
        return None


def callback_sms_key(callback_id: str) -> str:
    """The outbox key of a callback's confirmation SMS."""
    return f"callback:{callback_id}:booked"


def callback_sms_key_expr(callback_id: Any) -> Any:
    """:func:`callback_sms_key` in SQL, to join a callback to its SMS row."""
    return literal("callback:") + callback_id + literal(":booked")


def sms_record(row: SmsOutboxRow) -> SmsRecord:
    return SmsRecord(
        id=row.id,
        idempotency_key=row.idempotency_key,
        to_number=row.to_number,
        body=row.body,
        status=SmsStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=as_utc(row.next_attempt_at),
        created_at=as_utc(row.created_at),
        provider_sid=row.provider_sid,
        last_error=row.last_error,
        # while 'sending', sent_at holds the slot the row took (see _reserve)
        sent_at=as_utc_opt(row.sent_at) if row.status == SmsStatus.SENT.value else None,
    )


@dataclass(frozen=True)
class OutboxPolicy:
    max_attempts: int = 5
    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    per_number_per_hour: int = 3
    sending_lease_s: float = 120.0
    poll_interval_s: float = 15.0
    batch: int = 20
    allow_international: bool = False
    # with allow_international, the only countries texted (ISO 3166 codes)
    international_countries: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboxPolicy:
        return cls(
            max_attempts=settings.sms_max_attempts,
            retry_base_s=settings.sms_retry_base_s,
            retry_max_s=settings.sms_retry_max_s,
            per_number_per_hour=settings.sms_per_number_per_hour,
            sending_lease_s=settings.sms_sending_lease_s,
            poll_interval_s=settings.sms_poll_interval_s,
            allow_international=settings.callback_allow_international,
            international_countries=parse_countries(settings.callback_international_countries),
        )

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(
            seconds=min(self.retry_base_s * 2 ** max(attempts - 1, 0), self.retry_max_s)
        )


@dataclass(frozen=True)
class _Claim:
    id: str
    token: str
    to: str
    body: str
    attempts: int  # including this one
    created_at: datetime
    was_stale: bool  # taken over from a worker that crashed mid-send


@dataclass
class OutboxRun:
    sent: int = 0
    reconciled: int = 0  # found already accepted by the provider, not sent again
    retried: int = 0
    failed: int = 0
    next_due: datetime | None = None  # the earliest queued row still waiting


class SmsOutbox:
    """The outbox worker. ``run_once`` is one pass; ``start`` keeps passing, woken at
    once by :meth:`wake` (the callback book calls it after queueing an SMS)."""

    def __init__(self, store: Store, engine: SmsEngine, policy: OutboxPolicy | None = None):
        self._store = store
        self.engine = engine
        self.policy = policy or OutboxPolicy()
        self._wake = asyncio.Event()
        self._owner: TaskOwner | None = None
        self._task: asyncio.Task[Any] | None = None
        self._stopping = False

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> SmsOutbox:
        """The engine named by ``sms_provider`` (ConfigError when incomplete)."""
        return cls(store, make_sms_engine(settings), OutboxPolicy.from_settings(settings))

    # --- sync bodies, run in a thread ---
    def _enqueue(self, key: str, to: str, body: str) -> SmsRecord:
        e164 = normalize_number(
            to,
            allow_international=self.policy.allow_international,
            countries=self.policy.international_countries,
        )
        try:
            with self._store.session() as session:
                row = queue_sms(session, key, e164, body, utcnow())
                session.flush()
                return sms_record(row)
        except IntegrityError:
            # another writer queued the same key between our look and our insert:
            # its row is the one (the unique key saw to it)
            with self._store.session() as session:
                existing = session.scalars(
                    select(SmsOutboxRow).where(SmsOutboxRow.idempotency_key == key)
                ).first()
                if existing is None:
                    raise
                return sms_record(existing)

    def _claim(self, now: datetime) -> list[_Claim]:
        stale_before = now - timedelta(seconds=self.policy.sending_lease_s)
        with self._store.session() as session:
            candidates = [
                (r.id, r.status, r.attempts, r.to_number, r.body, as_utc(r.created_at))
                for r in session.scalars(
                    select(SmsOutboxRow)
                    .where(
                        or_(
                            (SmsOutboxRow.status == SmsStatus.QUEUED.value)
                            & (SmsOutboxRow.next_attempt_at <= now),
                            (SmsOutboxRow.status == SmsStatus.SENDING.value)
                            & (SmsOutboxRow.claimed_at < stale_before),
                        )
                    )
                    .order_by(SmsOutboxRow.next_attempt_at)
                    .limit(self.policy.batch)
                )
            ]
        claims = []
        for row_id, status, attempts, to, body, created_at in candidates:
            token = str(uuid.uuid4())
            with self._store.session() as session:
                # compare-and-swap: only one worker sees rowcount 1 for this version
                result = session.execute(
                    update(SmsOutboxRow)
                    .where(
                        SmsOutboxRow.id == row_id,
                        SmsOutboxRow.status == status,
                        SmsOutboxRow.attempts == attempts,
                    )
                    .values(
                        status=SmsStatus.SENDING.value,
                        attempts=attempts + 1,
                        claimed_at=now,
                        claim_token=token,
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claims.append(
                        _Claim(
                            row_id,
                            token,
                            to,
                            body,
                            attempts + 1,
                            created_at,
                            was_stale=status == SmsStatus.SENDING.value,
                        )
                    )
        return claims

    def _finish(self, claim: _Claim, **values: object) -> bool:
        with self._store.session() as session:
            result = session.execute(
                update(SmsOutboxRow)
                .where(SmsOutboxRow.id == claim.id, SmsOutboxRow.claim_token == claim.token)
                .values(claim_token=None, **values)
                .execution_options(synchronize_session=False)
            )
            done = bool(result.rowcount == 1)  # type: ignore[attr-defined]
        if not done:
            log.warning("SMS %s was taken over by another worker", claim.id)
        return done

    def _reserve(self, claim: _Claim, now: datetime) -> bool:
        """Take one of the number's hourly slots for this send; False when none is
        left (or the row was taken over). Sent rows and rows mid-send with a slot count:
        a crashed worker's row may well have reached the phone."""
        other = aliased(SmsOutboxRow)
        used = (
            select(func.count())
            .select_from(other)
            .where(
                other.to_number == claim.to,
                other.id != claim.id,
                other.status.in_([SmsStatus.SENT.value, SmsStatus.SENDING.value]),
                other.sent_at > now - timedelta(hours=1),
            )
            .scalar_subquery()
        )
        with self._store.session() as session:
            if self._store.engine.dialect.name == "postgresql":
                # under READ COMMITTED two workers' counts would not see each other's
                # slot: one at a time per number, until commit. (SQLite runs the one
                # UPDATE below under its single write lock: count and take are atomic.)
                session.execute(
                    select(
                        func.pg_advisory_xact_lock(_NUMBER_LOCK_CLASS, _number_lock_key(claim.to))
                    )
                )
            result = session.execute(
                update(SmsOutboxRow)
                .where(
                    SmsOutboxRow.id == claim.id,
                    SmsOutboxRow.claim_token == claim.token,
                    used < self.policy.per_number_per_hour,
                )
                .values(sent_at=now)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _process(self, claim: _Claim, now: datetime, run: OutboxRun) -> None:
        try:
            if claim.was_stale and self.engine.capabilities.can_find_sent:
                # the previous worker may have sent it and died before writing 'sent'
                since = claim.created_at - timedelta(minutes=5)  # provider clock skew
                sid = self.engine.find_sent(claim.to, claim.body, since)
                if sid is not None:
                    if self._finish(claim, status=SmsStatus.SENT.value, provider_sid=sid,
                                    sent_at=now, last_error=None):  # fmt: skip
                        run.reconciled += 1
                        log.info("SMS %s was already accepted (%s); not sent again", claim.id, sid)
                    return
            if not self._reserve(claim, now):
                if self._finish(claim, status=SmsStatus.FAILED.value, last_error=RATE_LIMITED,
                                sent_at=None):  # fmt: skip
                    run.failed += 1
                    log.warning("SMS %s not sent: rate limited", claim.id)
                return
            sent = self.engine.send(claim.id, claim.to, claim.body)
        except SmsError as exc:
            self._failed(claim, exc, now, run)
            return
        if self._finish(claim, status=SmsStatus.SENT.value, provider_sid=sent.provider_sid,
                        sent_at=now, last_error=None):  # fmt: skip
            run.sent += 1

    def _failed(self, claim: _Claim, exc: SmsError, now: datetime, run: OutboxRun) -> None:
        error = str(exc)[:300]
        if exc.retryable and claim.attempts < self.policy.max_attempts:
            due = now + self.policy.backoff(claim.attempts)
            self._finish(  # the slot it took goes back
                claim,
                status=SmsStatus.QUEUED.value,
                next_attempt_at=due,
                last_error=error,
                sent_at=None,
            )
            run.retried += 1
            log.warning("SMS %s attempt %d failed (%s); retry at %s",
                        claim.id, claim.attempts, error, due.isoformat())  # fmt: skip
        else:
            self._finish(claim, status=SmsStatus.FAILED.value, last_error=error, sent_at=None)
            run.failed += 1
            log.error("SMS %s failed for good after %d attempts: %s",
                      claim.id, claim.attempts, error)  # fmt: skip

    def _next_due(self) -> datetime | None:
        with self._store.session() as session:
            due = session.scalar(
                select(func.min(SmsOutboxRow.next_attempt_at)).where(
                    SmsOutboxRow.status == SmsStatus.QUEUED.value
                )
            )
            return as_utc_opt(due)

    def _run_once(self, now: datetime) -> OutboxRun:
        run = OutboxRun()
        for claim in self._claim(now):
            self._process(claim, now, run)
        run.next_due = self._next_due()
        return run

    def _get(self, sms_id: str) -> SmsRecord | None:
        with self._store.session() as session:
            row = session.get(SmsOutboxRow, sms_id)
            return sms_record(row) if row else None

    def _list(self, status: str | None, limit: int) -> list[SmsRecord]:
        with self._store.session() as session:
            query = select(SmsOutboxRow).order_by(SmsOutboxRow.created_at.desc()).limit(limit)
            if status is not None:
                query = query.where(SmsOutboxRow.status == SmsStatus(status).value)
            return [sms_record(r) for r in session.scalars(query)]

    # --- async API ---
    async def enqueue(self, key: str, to: str, body: str) -> SmsRecord:
        """Queue an SMS on its own (the callback book queues its own in its transaction).
        Raises InvalidNumber. Idempotent on ``key``. Not capped: the caps bound what a
        caller can trigger, and are checked where a caller does (a booking); rows
        queued here count towards them."""
        record = await asyncio.to_thread(self._enqueue, key, to, body)
        self.wake()
        return record

    async def run_once(self, now: datetime | None = None) -> OutboxRun:
        """One pass: claim what is due, send, record. ``now`` lets tests move time."""
        return await asyncio.to_thread(self._run_once, as_utc(now or utcnow()))

    async def get(self, sms_id: str) -> SmsRecord | None:
        return await asyncio.to_thread(self._get, sms_id)

    async def list(
        self, *, status: SmsStatus | str | None = None, limit: int = 100
    ) -> list[SmsRecord]:
        return await asyncio.to_thread(self._list, None if status is None else str(status), limit)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        """Run the worker in the background until :meth:`aclose`."""
        if self._owner is None:
            self._stopping = False
            self._owner = TaskOwner("sms-outbox")
            self._task = self._owner.spawn(self._loop(), "loop")

    async def aclose(self, grace_s: float = 30.0) -> None:
        """Stop after the pass in progress: cancelling mid-send would leave a row in
        'sending' for the next start to reconcile. Past ``grace_s`` it is cancelled."""
        if self._owner is None:
            return
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=grace_s)
        await self._owner.aclose()
        self._owner = self._task = None

    async def _loop(self) -> None:
        log.info("SMS outbox started (%s)", self.engine.capabilities.name)
        while not self._stopping:
            self._wake.clear()  # before the pass: a wake during the pass means another
            delay = self.policy.poll_interval_s
            try:
                run = await self.run_once()
                if run.next_due is not None:
                    delay = min(delay, max((run.next_due - utcnow()).total_seconds(), 0.0))
            except Exception:
                log.exception("SMS outbox pass failed; retrying in %.0f s", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
