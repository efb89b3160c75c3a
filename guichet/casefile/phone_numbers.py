"""French phone numbers to E.164, with the checks a callback and an SMS need.

Written against the ARCEP numbering plan rather than pulled from ``phonenumbers``:
the callback flow only needs French numbers (metropolitan and the overseas
departments), and the rules that matter here are few: 10 national digits, 06/07
are mobiles, 08 is special or premium-rate, short codes (15, 3xxx, 118 xxx) are
not numbers one can call back.
"""

from __future__ import annotations

import re
from enum import StrEnum

from guichet.casefile.errors import InvalidNumber


class NumberKind(StrEnum):
    LANDLINE = "landline"  # 01-05 and overseas geographic
    MOBILE = "mobile"  # 06, 07 and overseas mobiles
    VOIP = "voip"  # 09
    FOREIGN = "foreign"  # another country's E.164 number (only when allowed)


# national prefix (after the leading 0) -> overseas country code. Dialled from
# metropolitan France as 0692…, but E.164 puts these under +262, +590, +594, +596.
_OVERSEAS: dict[str, str] = {
    "262": "262", "263": "262", "269": "262", "639": "262", "692": "262", "693": "262",
    "590": "590", "690": "590", "691": "590",
    "594": "594", "694": "594",
    "596": "596", "696": "596", "697": "596",
}  # fmt: skip
_OVERSEAS_MOBILE = {"639", "690", "691", "692", "693", "694", "696", "697"}
_SEPARATORS = re.compile(r"[\s.\-/()]")


def normalize_number(raw: str | None, *, allow_international: bool = False) -> str:
    """``"06 12 34 56 78"``, ``"0033 6…"``, ``"+33 (0)6…"`` → ``"+33612345678"``.

    Raises :class:`InvalidNumber` with a reason code and a message fit for an agent.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidNumber("empty", "no phone number given")
    text = text.replace("(0)", "")  # "+33 (0)6 …", a common way of writing it
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not re.fullmatch(r"\+?\d+", compact):
        raise InvalidNumber("invalid_characters", f"not a phone number: {raw!r}")
    if compact.startswith("+"):
        return _from_international(compact[1:], raw=text, allow_international=allow_international)
    return _from_national(compact, raw=text)


def _from_national(digits: str, *, raw: str) -> str:
    if len(digits) < 10:
        if len(digits) <= 6 and not digits.startswith("0"):
            raise InvalidNumber(
                "short_code", f"{raw!r} is a short or service number, it cannot be called back"
            )
        raise InvalidNumber("too_short", f"{raw!r} is too short for a French number (10 digits)")
    if len(digits) > 10:
        raise InvalidNumber("too_long", f"{raw!r} is too long for a French number (10 digits)")
    if not digits.startswith("0"):
        raise InvalidNumber("invalid", f"{raw!r}: a French number starts with 0")
    national = digits[1:]
    overseas = _OVERSEAS.get(national[:3])
    if overseas:
        return f"+{overseas}{national}"
    return _check_metropolitan("+33" + national, raw=raw)


def _from_international(digits: str, *, raw: str, allow_international: bool) -> str:
    if digits.startswith("33"):
        national = digits[2:]
        if len(national) != 9:
            reason = "too_short" if len(national) < 9 else "too_long"
            raise InvalidNumber(reason, f"{raw!r}: +33 is followed by 9 digits")
        if national[:3] in _OVERSEAS:
            # +33 692… is how some phones present an overseas mobile; E.164 is +262 692…
            return f"+{_OVERSEAS[national[:3]]}{national}"
        return _check_metropolitan("+" + digits, raw=raw)
    for code in ("262", "590", "594", "596"):
        if digits.startswith(code):
            national = digits[len(code) :]
            if len(national) != 9 or _OVERSEAS.get(national[:3]) != code:
                raise InvalidNumber("invalid", f"{raw!r} is not a valid +{code} number")
            return "+" + digits
    if not allow_international:
        raise InvalidNumber(
            "international_not_allowed", f"{raw!r}: only French numbers are accepted"
        )
    # E.164: at most 15 digits; below 8 it is a short code, not a subscriber number
    if not 8 <= len(digits) <= 15 or digits.startswith("0"):
        raise InvalidNumber("invalid", f"{raw!r} is not a valid international number")
    return "+" + digits


def _check_metropolitan(e164: str, *, raw: str) -> str:
    first = e164[3]
    if first == "8":
        # 080 is free, but 081-089 cost the caller; a city never calls or texts those
        raise InvalidNumber(
            "premium", f"{raw!r} is a special-rate (08) number and cannot be called back"
        )
    if first not in "12345679":
        raise InvalidNumber("not_assigned", f"{raw!r} is not an assigned French number")
    return e164


def number_kind(e164: str) -> NumberKind:
    """The kind of an already normalised number."""
    if e164.startswith("+33"):
        first = e164[3]
        if first in "67":
            return NumberKind.MOBILE
        return NumberKind.VOIP if first == "9" else NumberKind.LANDLINE
    for code in ("262", "590", "594", "596"):
        if e164.startswith("+" + code):
            if e164[1 + len(code) :][:3] in _OVERSEAS_MOBILE:
                return NumberKind.MOBILE
            return NumberKind.LANDLINE
    return NumberKind.FOREIGN


def can_receive_sms(e164: str) -> bool:
    """French landlines and 09 numbers take no SMS (some read them aloud; not reliable)."""
    return number_kind(e164) in (NumberKind.MOBILE, NumberKind.FOREIGN)


def format_national(e164: str) -> str:
    """``+33612345678`` → ``06 12 34 56 78``: how a French agent reads and dials it."""
    if e164.startswith("+33") and len(e164) == 12:
        national = "0" + e164[3:]
    elif e164[1:4] in ("262", "590", "594", "596") and len(e164) == 13:
        national = "0" + e164[4:]
    else:
        return e164
    return " ".join(national[i : i + 2] for i in range(0, 10, 2))


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)
