"""Everything the store holds about one phone number: what an export shows and an
erasure removes.

A number reaches the store four ways: the caller ID on a call (raw, as the network
sent it), the caller's number on a case (E.164), the number of a callback (E.164;
maybe another phone than the one that called) and the recipient of an SMS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException
from sqlalchemy import select
from sqlalchemy.orm import Session

from guichet.casefile.errors import InvalidNumber
from guichet.casefile.phone_numbers import normalize_number
from guichet.privacy.errors import PrivacyError
from guichet.store.models import Call, Callback, Case, SmsOutboxRow

_WRITTEN_NUMBER = re.compile(r"[\d\s.()/+-]+")


def e164_of(raw: str | None) -> str | None:
    """``raw`` in E.164, or None when it is not a phone number.

    The case file's own rules first (what it stored went through them). Then, more
    leniently, any number that could exist: a request must reach a number the case
    file's rules would refuse today (a range closed since, a trunk sending
    ``33612345678`` without its ``+``), as long as the store may hold it."""
    text = (raw or "").strip()
    if not text or not _WRITTEN_NUMBER.fullmatch(text):
        return None
    try:
        return normalize_number(text, allow_international=True)
    except InvalidNumber:
        pass
    digits = re.sub(r"[^\d+]", "", text)
    candidates = [digits]
    if digits.startswith("00"):
        candidates.append("+" + digits[2:])
    elif digits.isdigit() and not digits.startswith("0"):
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, "FR")
        except NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def citizen_number(raw: str) -> str:
    """The number a request names, in E.164 (as the store keeps it)."""
    number = e164_of(raw)
    if number is None:
        raise PrivacyError(f"not a phone number: {raw!r}")
    return number


def same_number(raw: str | None, e164: str) -> bool:
    """A caller ID as the network sent it (``0612345678``, ``33612345678``…) is
    ``e164``: compared once normalised."""
    return raw is not None and e164_of(raw) == e164


@dataclass(frozen=True)
class Holdings:
    """The ids of what the store holds about a number (read in one session)."""

    number: str
    case_ids: tuple[str, ...]  # its cases, and those whose callback goes to it
    callback_ids: tuple[str, ...]  # callbacks to it, and all those of its cases
    call_ids: tuple[str, ...]  # calls from it (caller ID)
    sms_ids: tuple[str, ...]  # SMS to it

    @property
    def empty(self) -> bool:
        return not (self.case_ids or self.callback_ids or self.call_ids or self.sms_ids)


def find_holdings(session: Session, number: str) -> Holdings:
    own_cases = set(session.scalars(select(Case.id).where(Case.caller_number == number)))
    callback_cases = set(session.scalars(select(Callback.case_id).where(Callback.number == number)))
    case_ids = own_cases | callback_cases
    callback_ids = set(session.scalars(select(Callback.id).where(Callback.number == number)))
    if case_ids:
        callback_ids |= set(
            session.scalars(select(Callback.id).where(Callback.case_id.in_(case_ids)))
        )
    # caller IDs come raw, in whatever form the trunk sent: normalised one by one.
    # Only calls that still have one are read; the purge clears them after a month.
    calls = session.execute(select(Call.id, Call.caller).where(Call.caller.is_not(None)))
    call_ids = {call_id for call_id, caller in calls if same_number(caller, number)}
    sms_ids = set(session.scalars(select(SmsOutboxRow.id).where(SmsOutboxRow.to_number == number)))
    return Holdings(
        number=number,
        case_ids=tuple(sorted(case_ids)),
        callback_ids=tuple(sorted(callback_ids)),
        call_ids=tuple(sorted(call_ids)),
        sms_ids=tuple(sorted(sms_ids)),
    )
