"""Callbacks: the city's promise to call a citizen back, and the SMS that confirms it.

``book_callback`` commits the callback, the case's outcome and the confirmation SMS in
ONE transaction (outbox pattern) before it returns: the caller is told "booked" only
after the store has it on disk (SQLite synchronous=FULL), and a crash after that
loses neither the callback nor its SMS.

The SMS goes out under the city's name to a number the caller may have keyed in for
someone else: it says only what the city wrote (the reference, the due time, a card's
title or a service's label), never what the caller said, and the caps of
:class:`~guichet.casefile.outbox.SmsCaps` bound how many one caller can have sent.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guichet.casefile.errors import CallbackNotFound, InvalidCaseUpdate
from guichet.casefile.outbox import SmsCaps, callback_sms_key, queue_sms
from guichet.casefile.phone_numbers import (
    can_receive_sms,
    format_national,
    normalize_number,
    parse_countries,
)
from guichet.casefile.records import CallbackRecord, CallbackStatus, Outcome, SmsStatus, as_utc
from guichet.casefile.repository import callback_record, lock_case
from guichet.casefile.summary import trim
from guichet.casefile.wording import spoken_date
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import Callback, Case, SmsOutboxRow, utcnow

# (start, end) of one opening period; aware datetimes
Slot = tuple[datetime, datetime]
# given a moment, the opening periods that end after it, in order; it may stop after
# a horizon (compute_due_by looks 60 days ahead) but must not spin without yielding
OpenSlots = Callable[[datetime], Iterable[Slot]]

# no 0/O, 1/I/L, U: the reference is read aloud and typed back by people
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_REFERENCE_LENGTH = 5
_DUE_BY_HORIZON_DAYS = 60
SMS_MAX_CHARS = 320  # two concatenated GSM segments; an SMS is not a letter


def new_reference() -> str:
    return "CB-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(_REFERENCE_LENGTH))


def office_hours(
    tz: ZoneInfo,
    periods: Sequence[tuple[time, time]] = ((time(8, 30), time(12)), (time(13, 30), time(17))),
    weekdays: frozenset[int] = frozenset(range(5)),
    closed_days: Callable[[date], bool] = lambda _d: False,
) -> OpenSlots:
    """A plain weekly timetable (Monday-Friday 8:30-12:00, 13:30-17:00 by default) for
    when the routing flows do not provide the real hours, holidays included."""

    def slots(after: datetime) -> Iterator[Slot]:
        day = after.astimezone(tz).date()
        for _ in range(_DUE_BY_HORIZON_DAYS + 1):  # never endless: all days may be closed
            if day.weekday() in weekdays and not closed_days(day):
                for start, end in periods:
                    slot = (
                        datetime.combine(day, start, tz),
                        datetime.combine(day, end, tz),
                    )
                    if slot[1] > after:
                        yield slot
            day += timedelta(days=1)

    return slots


def compute_due_by(now: datetime, open_slots: OpenSlots, working_hours: float) -> datetime:
    """When the city promises to call: after ``working_hours`` of opening time from
    ``now``. With 0 it is the start of the next opening period (or now, when open)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    left = timedelta(hours=working_hours)
    horizon = now + timedelta(days=_DUE_BY_HORIZON_DAYS)
    for start, end in open_slots(now):
        if start > horizon:
            break
        begin = max(start, now)
        if begin >= end:
            continue
        if begin + left <= end:
            return begin + left
        left -= end - begin
    raise InvalidCaseUpdate(f"no opening hours within {_DUE_BY_HORIZON_DAYS} days")


_SMS_TEXT = {
    "fr": (
        "Mairie : votre demande de rappel {ref} est enregistrée. Nous vous appellerons au "
        "{number} au plus tard le {when}. Objet : {topic}."
    ),
    "en": (
        "City hall: your callback request {ref} is booked. We will call you on {number} "
        "by {when}. Topic: {topic}."
    ),
}
_NO_SUBJECT = {"fr": "votre demande", "en": "your request"}

# a service slug -> its label per language code, as the call flow names it (the flow
# types its language codes as a Literal, which a Mapping[str, …] would not take)
ServiceLabels = Mapping[str, Mapping[Any, str]]


def sms_subject(
    card_id: str | None,
    card_title: str | None,
    service: str | None,
    labels: ServiceLabels,
    language: str,
) -> str | None:
    """What the SMS says the callback is about, from what the city wrote only: the
    title of the card the bot answered from, else the label the call flow gives the
    service, else nothing (the SMS says "your request"). Never the caller's words: the
    SMS may go to someone else, under the city's name. A title without a card is not
    taken: nothing says the city wrote it."""
    if card_id and card_title and card_title.strip():
        return card_title.strip()
    label = labels.get(service or "", {})
    return label.get(language) or label.get("fr") or None


def callback_sms_text(
    reference: str,
    number: str,
    due_by: datetime,
    tz: ZoneInfo,
    language: str,
    subject: str | None,
) -> str:
    """The confirmation SMS. ``subject`` must be the city's own text (see
    :func:`sms_subject`); None says "your request"."""
    lang = language if language in _SMS_TEXT else "fr"
    text = _SMS_TEXT[lang].format(
        ref=reference,
        number=format_national(number),
        when=spoken_date(due_by, tz, lang, style="written"),
        topic="{topic}",
    )
    room = SMS_MAX_CHARS - len(text) + len("{topic}")
    return text.replace("{topic}", trim(subject or _NO_SUBJECT[lang], max(room, 20)))


class CallbackBook:
    """Books and works callbacks. Construct once per process, share."""

    def __init__(
        self,
        store: Store,
        *,
        tz: ZoneInfo,
        open_slots: OpenSlots | None = None,
        working_hours: float = 4.0,
        allow_international: bool = False,
        international_countries: Collection[str] = (),
        sms_caps: SmsCaps | None = None,
        service_labels: ServiceLabels | None = None,
        on_sms_queued: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self.tz = tz
        # the routing flows plug the real hours (holidays, closures) in here
        self.open_slots = open_slots or office_hours(tz)
        self.working_hours = working_hours
        self.allow_international = allow_international
        # foreign numbers only from these countries, even with allow_international
        self.international_countries = parse_countries(international_countries)
        self.sms_caps = sms_caps or SmsCaps()
        # the call flow's service labels (ivr_flows), for the SMS's subject
        self.service_labels: ServiceLabels = service_labels or {}
        self._on_sms_queued = on_sms_queued

    @classmethod
    def from_settings(
        cls,
        store: Store,
        settings: Settings,
        *,
        open_slots: OpenSlots | None = None,
        service_labels: ServiceLabels | None = None,
        on_sms_queued: Callable[[], None] | None = None,
    ) -> CallbackBook:
        return cls(
            store,
            tz=ZoneInfo(settings.callback_timezone),
            open_slots=open_slots,
            working_hours=settings.callback_working_hours,
            allow_international=settings.callback_allow_international,
            international_countries=settings.callback_international_countries,
            sms_caps=SmsCaps.from_settings(settings),
            service_labels=service_labels,
            on_sms_queued=on_sms_queued,
        )

    def normalize(self, number: str | None) -> str:
        """E.164 for a number the caller keyed in or confirmed; raises InvalidNumber.
        The dialog on the phone checks with this very method, so that a number read
        back to the caller is one the booking takes."""
        return normalize_number(
            number,
            allow_international=self.allow_international,
            countries=self.international_countries,
        )

    def due_by(self, now: datetime | None = None) -> datetime:
        """What to tell the caller before booking ("we will call you by …")."""
        return compute_due_by(now or utcnow(), self.open_slots, self.working_hours)

    # --- sync bodies, run in a thread ---
    def _book(
        self,
        case_id: str,
        number: str,
        service: str | None,
        language: str | None,
        now: datetime,
        send_sms: bool,
        due: datetime | None = None,
    ) -> CallbackRecord:
        e164 = self.normalize(number)
        if due is None:
            due_by = as_utc(compute_due_by(now, self.open_slots, self.working_hours))
        else:
            due_by = as_utc(due)
            if due_by <= as_utc(now):
                raise InvalidCaseUpdate("the callback's due time is already past")
            if due_by > as_utc(now) + timedelta(days=_DUE_BY_HORIZON_DAYS):
                raise InvalidCaseUpdate(
                    f"the callback's due time is more than {_DUE_BY_HORIZON_DAYS} days away"
                )
        for _ in range(3):
            try:
                with self._store.session() as session:
                    return self._book_in(
                        session, case_id, e164, service, language, now, due_by, send_sms
                    )
            except IntegrityError:
                continue  # a reference collision (1 in 24 million): draw another
        raise InvalidCaseUpdate("could not draw a unique callback reference")

    def _book_in(
        self,
        session: Session,
        case_id: str,
        e164: str,
        service: str | None,
        language: str | None,
        now: datetime,
        due_by: datetime,
        send_sms: bool,
    ) -> CallbackRecord:
        # locked first: a retry that runs while the first booking is still in flight
        # waits for it, then finds it below, instead of booking a second callback
        case = lock_case(session, case_id, as_utc(now))
        existing = session.scalars(
            select(Callback).where(
                Callback.case_id == case_id,
                Callback.number == e164,
                Callback.status.in_([CallbackStatus.PENDING.value, CallbackStatus.IN_PROGRESS]),
            )
        ).first()
        if existing is not None:
            # the controller retried after a timeout: the booking already stands
            sms = session.scalars(
                select(SmsOutboxRow).where(
                    SmsOutboxRow.idempotency_key == callback_sms_key(existing.id)
                )
            ).first()
            if sms is not None and sms.status == SmsStatus.REFUSED.value:
                return callback_record(existing, None, sms.last_error)
            return callback_record(existing, sms.id if sms is not None else None)
        callback = Callback(
            id=str(uuid.uuid4()),
            reference=new_reference(),
            case_id=case_id,
            number=e164,
            service=service or case.service,
            language=language or case.language,
            requested_at=as_utc(now),
            due_by=due_by,
            status=CallbackStatus.PENDING.value,
        )
        session.add(callback)
        case.outcome = Outcome.CALLBACK.value
        case.updated_at = as_utc(now)
        sms_id = refused = None
        if send_sms and can_receive_sms(e164):
            subject = sms_subject(
                case.topic_card_id,
                case.topic_title,
                callback.service,
                self.service_labels,
                callback.language,
            )
            body = callback_sms_text(
                callback.reference, e164, due_by, self.tz, callback.language, subject
            )
            refused = self.sms_caps.refusal(
                session,
                to=e164,
                caller=case.caller_number,
                now=now,
                label=f"callback {callback.reference}",
            )
            key = callback_sms_key(callback.id)
            row = queue_sms(session, key, e164, body, now, refused=refused)
            sms_id = None if refused else row.id
        session.flush()
        return callback_record(callback, sms_id, refused)

    def _set_status(
        self, key: str, status: CallbackStatus, by: str | None, note: str | None
    ) -> CallbackRecord:
        with self._store.session() as session:
            callback = _find(session, key)
            if callback.status in (CallbackStatus.DONE.value, CallbackStatus.FAILED.value):
                raise InvalidCaseUpdate(
                    f"callback {callback.reference} is already {callback.status}"
                )
            callback.status = status.value
            if note:
                callback.note = note
            if status in (CallbackStatus.DONE, CallbackStatus.FAILED):
                now = utcnow()
                callback.done_at = now
                callback.done_by = by
                case = session.get(Case, callback.case_id)
                if case is not None and case.closed_at is None:
                    case.closed_at = now
                    case.updated_at = now
            else:
                callback.done_by = by
            session.flush()
            return callback_record(callback)

    def _list(self, status: str | None, limit: int) -> list[CallbackRecord]:
        with self._store.session() as session:
            query = select(Callback).order_by(Callback.due_by, Callback.requested_at).limit(limit)
            if status is not None:
                query = query.where(Callback.status == CallbackStatus(status).value)
            return [callback_record(c) for c in session.scalars(query)]

    def _get(self, key: str) -> CallbackRecord:
        with self._store.session() as session:
            return callback_record(_find(session, key))

    # --- async API ---
    async def book_callback(
        self,
        case_id: str,
        number: str,
        *,
        service: str | None = None,
        language: str | None = None,
        now: datetime | None = None,
        send_sms: bool = True,
        due: datetime | None = None,
    ) -> CallbackRecord:
        """Book a callback, durably, with its confirmation SMS queued in the same commit.

        ``number`` as keyed in or from caller ID; raises InvalidNumber (with ``reason``)
        before anything is written, CaseNotFound for an unknown case. Booking twice for
        the same case and number returns the first booking. No SMS is queued for
        numbers that take none (French landlines, 09): ``sms_id`` is then None. Past
        a cap (:class:`SmsCaps`) the SMS is written refused: ``sms_id`` is None and
        ``sms_refused`` says which cap; the callback stands all the same. ``due``: the
        time agreed with the caller (a desk agent's booking), instead of the
        working-hours rule; InvalidCaseUpdate when past or beyond the horizon.
        """
        record = await asyncio.to_thread(
            self._book, case_id, number, service, language, now or utcnow(), send_sms, due
        )
        if record.sms_id is not None and self._on_sms_queued is not None:
            self._on_sms_queued()
        return record

    async def list_callbacks(
        self, *, status: CallbackStatus | str | None = None, limit: int = 200
    ) -> list[CallbackRecord]:
        """Callbacks, soonest due first."""
        return await asyncio.to_thread(self._list, None if status is None else str(status), limit)

    async def get_callback(self, id_or_reference: str) -> CallbackRecord:
        return await asyncio.to_thread(self._get, id_or_reference)

    async def start(self, id_or_reference: str, by: str | None = None) -> CallbackRecord:
        """An agent is calling back now (others see it is taken)."""
        return await asyncio.to_thread(
            self._set_status, id_or_reference, CallbackStatus.IN_PROGRESS, by, None
        )

    async def done(
        self, id_or_reference: str, by: str | None = None, note: str | None = None
    ) -> CallbackRecord:
        return await asyncio.to_thread(
            self._set_status, id_or_reference, CallbackStatus.DONE, by, note
        )

    async def fail(
        self, id_or_reference: str, by: str | None = None, note: str | None = None
    ) -> CallbackRecord:
        """Given up (no answer after the agreed attempts, wrong number…)."""
        return await asyncio.to_thread(
            self._set_status, id_or_reference, CallbackStatus.FAILED, by, note
        )


def _find(session: Session, key: str) -> Callback:
    callback = session.get(Callback, key)
    if callback is None:
        callback = session.scalars(
            select(Callback).where(Callback.reference == key.strip().upper())
        ).first()
    if callback is None:
        raise CallbackNotFound(f"no callback {key}")
    return callback
