"""French phone numbers to E.164, with the checks a callback and an SMS need.

Parsing, ranges and types come from ``phonenumbers`` (libphonenumber), which follows
ARCEP's numbering plan. What is ours is the policy: a city calls back and texts
French numbers (metropolitan and the overseas departments) that libphonenumber
places in a range in use, foreign ones only when allowed and only in the countries
listed, and never a number that costs the caller or reaches a service rather than a
person (special-rate 08, short codes, satellite and other non-geographic codes).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from enum import StrEnum

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneNumber,
    PhoneNumberType,
    ValidationResult,
    shortnumberinfo,
)

from guichet.casefile.errors import InvalidNumber
from guichet.errors import ConfigError


class NumberKind(StrEnum):
    LANDLINE = "landline"  # geographic, metropolitan or overseas
    MOBILE = "mobile"  # metropolitan or overseas mobiles
    VOIP = "voip"  # 09 and the overseas VoIP ranges
    FOREIGN = "foreign"  # another country's number (only when allowed)
    # French and of the right length, but in no range libphonenumber knows: not yet
    # opened, or newer than its data. Only ever recorded (a caller ID, with
    # known_ranges_only=False): never called back, never texted.
    UNKNOWN = "unknown"


_METROPOLITAN = 33
# The overseas departments have their own country codes but share the national plan:
# dialled from France as 0 + 9 digits, like a metropolitan number (0692… is +262 692…).
_OVERSEAS = (262, 590, 594, 596)
_FRENCH = (_METROPOLITAN, *_OVERSEAS)
# Regions to read a national number in: the overseas ones first, because their
# ranges are the precise ones (libphonenumber's metropolitan fixed-line and VoIP
# ranges overlap 0596… and 0976…).
_REGIONS = tuple(
    region
    for code in (*_OVERSEAS, _METROPOLITAN)  # not _FRENCH: this order matters
    for region in phonenumbers.region_codes_for_country_code(code)
)
# the kinds of number a city hall can call back at normal rates and reach a person
_CALLABLE = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,  # North America: one range for both
    PhoneNumberType.VOIP,
}
# France's 08 block, and its like abroad: they cost the caller, or are a company's
# line rather than a person's (free 0800, "universal access" 0806-0809)
_SPECIAL_RATE = {
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.UAN,
}
# libphonenumber's code for "no country": satellite (+881, +870), international
# freephone (+800), shared-cost (+808), premium (+979) and iNum (+883) numbers
_NON_GEOGRAPHIC = phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
_SEPARATORS = re.compile(r"[\s.\-/()]")


def normalize_number(
    raw: str | None,
    *,
    allow_international: bool = False,
    countries: Collection[str] | None = None,
    known_ranges_only: bool = True,
) -> str:
    """``"06 12 34 56 78"``, ``"0033 6…"``, ``"+33 (0)6…"`` → ``"+33612345678"``.

    ``countries``: with ``allow_international``, the only regions (ISO 3166 codes,
    see :func:`parse_countries`) a foreign number may belong to; None: any.
    ``known_ranges_only=False`` also takes a French number of the right length that
    libphonenumber places in no range (to record a caller ID as presented; such a
    number is never called back nor texted).

    Raises :class:`InvalidNumber` with a reason code and a message fit for an agent.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidNumber("empty", "no phone number given")
    text = text.replace("(0)", "")  # "+33 (0)6 …", a common way of writing it
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    # checked here, as libphonenumber would read letters as a keypad ("0800-FLOWERS")
    if not re.fullmatch(r"\+?\d+", compact):
        raise InvalidNumber("invalid_characters", f"not a phone number: {raw!r}")
    if compact.startswith("+"):
        number = _from_international(
            compact,
            raw=text,
            allow_international=allow_international,
            countries=countries,
            known_ranges_only=known_ranges_only,
        )
    else:
        number = _from_national(compact, raw=text, known_ranges_only=known_ranges_only)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_countries(codes: Iterable[str]) -> frozenset[str]:
    """The international allow-list from the settings: ISO 3166 region codes
    (``"BE"``), not calling codes: ``+1`` alone is some 25 countries, the Caribbean
    ones with a name for premium-rate fraud. Raises ConfigError on an unknown code."""
    regions = frozenset(code.strip().upper() for code in codes if code.strip())
    unknown = sorted(r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS)
    if unknown:
        raise ConfigError(
            f"callback_international_countries: unknown region code(s) {', '.join(unknown)} "
            "(ISO 3166 codes such as BE, CH, DE; not calling codes such as +32)"
        )
    return regions


def _from_national(digits: str, *, raw: str, known_ranges_only: bool) -> PhoneNumber:
    if not digits.startswith("0"):
        if _is_short_code(digits):
            raise InvalidNumber(
                "short_code", f"{raw!r} is a short or service number, it cannot be called back"
            )
        raise InvalidNumber("invalid", f"{raw!r}: a French number is 10 digits starting with 0")
    number = _parse(digits, "FR", raw=raw)
    _check_length(number, raw=raw)
    return _french(
        phonenumbers.national_significant_number(number),
        raw=raw,
        known_ranges_only=known_ranges_only,
    )


def _from_international(
    text: str,
    *,
    raw: str,
    allow_international: bool,
    countries: Collection[str] | None,
    known_ranges_only: bool,
) -> PhoneNumber:
    number = _parse(text, None, raw=raw)
    code = number.country_code
    if code in _FRENCH:
        _check_length(number, raw=raw)
        national = phonenumbers.national_significant_number(number)
        if code == _METROPOLITAN:
            # +33 692… is how some phones present an overseas mobile: read it as the
            # national 0692…, which is +262 692…
            return _french(national, raw=raw, known_ranges_only=known_ranges_only)
        overseas = [n for n in _readings(national, raw=raw) if n.country_code == code]
        if not overseas:
            raise InvalidNumber("invalid", f"{raw!r} is not a valid +{code} number")
        return overseas[0]
    if not allow_international:
        raise InvalidNumber(
            "international_not_allowed", f"{raw!r}: only French numbers are accepted"
        )
    _check_length(number, raw=raw)
    if not phonenumbers.is_valid_number(number):
        # a range libphonenumber does not know could be a premium one: not called
        raise InvalidNumber("invalid", f"{raw!r} is not a valid international number")
    region = phonenumbers.region_code_for_number(number)
    if region == _NON_GEOGRAPHIC:
        raise InvalidNumber("special", f"{raw!r} is a satellite or international service number")
    _refuse_special(number, raw=raw)
    # after the type checks: a premium number is refused as premium even from a
    # listed country, which is the more useful reason for the agent
    if countries is not None and region not in countries:
        raise InvalidNumber(
            "country_not_allowed", f"{raw!r}: numbers of {region} are not called back"
        )
    return number


def _french(national: str, *, raw: str, known_ranges_only: bool) -> PhoneNumber:
    """The number dialled in France as ``0`` + ``national``."""
    readings = _readings(national, raw=raw)
    if readings:
        return readings[0]
    if national.startswith("8"):
        raise _special_rate(raw)
    if national.startswith("0"):
        raise InvalidNumber("not_assigned", f"{raw!r} is not an assigned French number")
    if known_ranges_only:
        # 07 12 34 56 78 has the shape of a mobile, but no operator holds 07 12: a
        # keyed slip, or a made-up number. The city neither calls nor texts what
        # cannot be a real line; the caller is asked again. (libphonenumber follows
        # ARCEP's openings within a release or so: keep the package current.)
        raise InvalidNumber("not_assigned", f"{raw!r} is in no French range in use")
    # a caller ID as the network presented it: kept for the record only;
    # number_kind() calls it UNKNOWN
    return PhoneNumber(country_code=_METROPOLITAN, national_number=int(national))


def _readings(national: str, *, raw: str) -> list[PhoneNumber]:
    """Every valid reading of the national ``0`` + ``national``, overseas first;
    refused when any of them is special-rate (0806… is a special number in France
    and a landline in the Antilles: the cautious reading wins)."""
    if national.startswith("0"):
        return []  # "00…" would be read as an international prefix
    readings: list[PhoneNumber] = []
    for region in _REGIONS:
        number = phonenumbers.parse("0" + national, region)
        if phonenumbers.is_valid_number(number):
            _refuse_special(number, raw=raw)
            readings.append(number)
    return readings


def _refuse_special(number: PhoneNumber, *, raw: str) -> None:
    kind = phonenumbers.number_type(number)
    if kind in _SPECIAL_RATE:
        raise _special_rate(raw)
    if kind not in _CALLABLE:
        # personal (follow-me), pager and voicemail numbers forward at the caller's
        # cost or reach no one: nobody to call back safely
        raise InvalidNumber(
            "special", f"{raw!r} is a service or personal number and cannot be called back"
        )


def _special_rate(raw: str) -> InvalidNumber:
    return InvalidNumber(
        "premium", f"{raw!r} is a special-rate number (08 in France) and cannot be called back"
    )


def _parse(text: str, region: str | None, *, raw: str) -> PhoneNumber:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.TOO_LONG:
            raise InvalidNumber("too_long", f"{raw!r} is too long for a phone number") from exc
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise InvalidNumber("invalid", f"{raw!r}: no such country code") from exc
        # the text is digits by now: whatever else failed, there were too few
        raise InvalidNumber("too_short", f"{raw!r} is too short for a phone number") from exc


def _check_length(number: PhoneNumber, *, raw: str) -> None:
    result = phonenumbers.is_possible_number_with_reason(number)
    # local-only: a subscriber number without its area code, too short all the same
    if result in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        raise InvalidNumber("too_short", f"{raw!r} is too short for a {_plan(number)} number")
    if result == ValidationResult.TOO_LONG:
        raise InvalidNumber("too_long", f"{raw!r} is too long for a {_plan(number)} number")
    if result != ValidationResult.IS_POSSIBLE:
        raise InvalidNumber("invalid", f"{raw!r} has a wrong length for a {_plan(number)} number")


def _plan(number: PhoneNumber) -> str:
    code = number.country_code
    return "French" if code in _FRENCH else f"+{code}"


def _is_short_code(digits: str) -> bool:
    try:
        number = phonenumbers.parse(digits, "FR")
    except NumberParseException:
        return False
    return shortnumberinfo.is_possible_short_number_for_region(number, "FR")


def _parse_e164(e164: str) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(e164, None)
    except NumberParseException:
        return None


def number_kind(e164: str) -> NumberKind:
    """The kind of an already normalised number."""
    number = _parse_e164(e164)
    if number is None:
        return NumberKind.UNKNOWN
    if number.country_code not in _FRENCH:
        return NumberKind.FOREIGN
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.MOBILE:
        return NumberKind.MOBILE
    if kind == PhoneNumberType.VOIP:
        return NumberKind.VOIP
    if kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return NumberKind.LANDLINE
    return NumberKind.UNKNOWN


def can_receive_sms(e164: str) -> bool:
    """Mobiles only: French landlines and 09 numbers take no SMS (some read them
    aloud; not reliable). A foreign number gets one unless libphonenumber knows it is
    not a mobile; North American ones cannot be told apart, so they are tried."""
    kind = number_kind(e164)
    if kind is NumberKind.FOREIGN:
        number = _parse_e164(e164)
        return number is not None and phonenumbers.number_type(number) in (
            PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
    return kind is NumberKind.MOBILE


def format_national(e164: str) -> str:
    """``+33612345678`` → ``06 12 34 56 78``: how a French agent reads and dials it.

    Overseas numbers too (``+262692123456`` → ``06 92 12 34 56``): dialled from
    France they are national numbers, in pairs, not in the local ``0692 …`` style.
    Anything else is returned as given."""
    number = _parse_e164(e164)
    if number is None or number.country_code not in _FRENCH:
        return e164
    # the same significant number under +33 gets the metropolitan pairs layout
    metropolitan = PhoneNumber(country_code=_METROPOLITAN, national_number=number.national_number)
    if not phonenumbers.is_possible_number(metropolitan):
        return e164
    return phonenumbers.format_number(metropolitan, phonenumbers.PhoneNumberFormat.NATIONAL)


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)
