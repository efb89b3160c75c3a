import pytest

from guichet.casefile.errors import InvalidNumber
from guichet.casefile.phone_numbers import (
    NumberKind,
    can_receive_sms,
    format_national,
    normalize_number,
    number_kind,
    parse_countries,
)
from guichet.errors import ConfigError
from guichet.settings import Settings


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("01 23 45 67 89", "+33123456789"),
        ("09 70 12 34 56", "+33970123456"),
        ("07 81 23 45 67", "+33781234567"),
        ("06 92 12 34 56", "+262692123456"),  # La Réunion mobile
        ("+262 692 12 34 56", "+262692123456"),
        ("+33 692 12 34 56", "+262692123456"),
        ("05 96 30 12 34", "+596596301234"),  # Martinique landline
        ("+33 596 30 12 34", "+596596301234"),
        ("06 39 01 23 45", "+262639012345"),  # Mayotte mobile
        ("05 90 27 12 34", "+590590271234"),  # Saint-Barthélemy landline
        ("06 94 20 12 34", "+594694201234"),  # French Guiana mobile
        ("06 90 00 12 34", "+590690001234"),  # Guadeloupe mobile
    ],
)
def test_normalises_french_numbers(raw: str, e164: str) -> None:
    assert normalize_number(raw) == e164


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("anonymous", "invalid_characters"),
        ("3939", "short_code"),
        ("15", "short_code"),
        ("118 218", "short_code"),
        ("06 12 34 56", "too_short"),
        ("06 12 34 56 78 9", "too_long"),
        ("+33 6 12 34 56", "too_short"),
        ("08 92 68 02 92", "premium"),
        ("+33 8 99 12 34 56", "premium"),
        ("00 44 20 7946 0958", "international_not_allowed"),
        ("1234567890", "invalid"),
        ("612345678", "invalid"),  # the leading 0 left out
        ("+262 123 45 67 89", "invalid"),
        ("+262 692 12 34", "too_short"),
        ("+999 123 456 789", "invalid"),  # no such country code
        ("+33 0 12 34 56 78", "not_assigned"),
        # the shape of a mobile, but no operator holds 07 12 (nor 07 00): a slip or a
        # made-up number, that the city would neither reach nor text
        ("07 12 34 56 78", "not_assigned"),
        ("+33 7 12 34 56 78", "not_assigned"),
        ("07 00 00 00 00", "not_assigned"),
        # the whole 08 block, free numbers included: a company's line, not a person
        ("08 00 12 34 56", "premium"),
        ("08 10 12 34 56", "premium"),  # shared cost
        ("08 06 12 34 56", "premium"),  # "universal access", 0806-0809
        # a landline in Guadeloupe's data but 0806 from France: the cautious reading
        ("+590 806 12 34 56", "premium"),
    ],
)
def test_rejects_with_a_reason(raw: str | None, reason: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        normalize_number(raw)
    assert caught.value.reason == reason
    assert str(caught.value)  # a message for the agent


def test_international_when_allowed() -> None:
    assert normalize_number("+44 20 7946 0958", allow_international=True) == "+442079460958"
    assert normalize_number("0049 1521 2345678", allow_international=True) == "+4915212345678"
    assert normalize_number("+1 202 555 0123", allow_international=True) == "+12025550123"
    assert number_kind("+442079460958") is NumberKind.FOREIGN
    # French numbers are still French with the option on
    assert normalize_number("06 12 34 56 78", allow_international=True) == "+33612345678"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("+881 6 123 45678", "special"),  # Iridium satellite phone
        ("+870 773 111 632", "special"),  # Inmarsat
        ("+800 1234 5678", "special"),  # international freephone
        ("+883 5100 1234 5678", "special"),  # iNum, no country
        ("+44 70 1234 5678", "special"),  # UK personal (follow-me) number
        ("+44 76 2345 6789", "special"),  # UK pager
        ("+44 909 876 5432", "premium"),
        ("+44 800 123 4567", "premium"),  # toll-free
        ("+1 900 234 5678", "premium"),
        ("+44 7700 900123", "invalid"),  # no range known, so possibly a costly one
        ("+44 20 7946", "too_short"),
    ],
)
def test_international_refuses_what_cannot_be_called_back(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        normalize_number(raw, allow_international=True)
    assert caught.value.reason == reason
    assert str(caught.value)


def test_kinds_and_formatting() -> None:
    assert number_kind("+33612345678") is NumberKind.MOBILE
    assert number_kind("+33123456789") is NumberKind.LANDLINE
    assert number_kind("+33970123456") is NumberKind.VOIP
    assert number_kind("+262692123456") is NumberKind.MOBILE
    assert number_kind("+262262123456") is NumberKind.LANDLINE
    assert can_receive_sms("+33612345678")
    assert not can_receive_sms("+33123456789")
    assert format_national("+33612345678") == "06 12 34 56 78"
    assert format_national("+262692123456") == "06 92 12 34 56"


@pytest.mark.parametrize(
    ("e164", "kind", "sms"),
    [
        ("+596596301234", NumberKind.LANDLINE, False),
        ("+590690001234", NumberKind.MOBILE, True),
        ("+262639012345", NumberKind.MOBILE, True),
        ("+262939901234", NumberKind.VOIP, False),  # Réunion VoIP
        # a caller ID recorded as presented, in no known range: never texted
        ("+33712345678", NumberKind.UNKNOWN, False),
        ("+4915212345678", NumberKind.FOREIGN, True),  # German mobile
        ("+442079460958", NumberKind.FOREIGN, False),  # London landline
        ("+12025550123", NumberKind.FOREIGN, True),  # North America: mobile or not, unknown
        ("garbage", NumberKind.UNKNOWN, False),
    ],
)
def test_kind_decides_the_sms(e164: str, kind: NumberKind, sms: bool) -> None:
    assert number_kind(e164) is kind
    assert can_receive_sms(e164) is sms


@pytest.mark.parametrize(
    ("e164", "spoken"),
    [
        ("+596596301234", "05 96 30 12 34"),  # pairs, as dialled from France
        ("+590590271234", "05 90 27 12 34"),
        ("+33970123456", "09 70 12 34 56"),
        ("+33781234567", "07 81 23 45 67"),
        ("+442079460958", "+442079460958"),  # foreign: as stored
        ("+3361", "+3361"),  # not a whole number: as given
    ],
)
def test_format_national(e164: str, spoken: str) -> None:
    assert format_national(e164) == spoken


def test_a_caller_id_in_no_known_range_is_recorded_only() -> None:
    """The case keeps the caller ID the network presented, even in a range newer than
    libphonenumber's data; nothing calls it back or texts it."""
    recorded = normalize_number("07 12 34 56 78", known_ranges_only=False)
    assert recorded == "+33712345678"
    assert number_kind(recorded) is NumberKind.UNKNOWN
    assert not can_receive_sms(recorded)
    with pytest.raises(InvalidNumber) as caught:
        normalize_number(recorded)  # as a callback number: refused
    assert caught.value.reason == "not_assigned"
    # the 08 block stays refused, recorded or not
    with pytest.raises(InvalidNumber):
        normalize_number("08 99 12 34 56", known_ranges_only=False)


NEIGHBOURS = parse_countries(Settings().callback_international_countries)


def test_international_is_off_by_default_and_listed_countries_only_when_on() -> None:
    def abroad(raw: str, countries: frozenset[str] = NEIGHBOURS) -> str:
        return normalize_number(raw, allow_international=True, countries=countries)

    assert Settings().callback_allow_international is False
    with pytest.raises(InvalidNumber) as caught:
        normalize_number("+32 470 12 34 56", countries=NEIGHBOURS)
    assert caught.value.reason == "international_not_allowed"
    assert abroad("+32 470 12 34 56") == "+32470123456"  # Belgian mobile
    assert abroad("0041 78 123 45 67") == "+41781234567"  # Swiss mobile
    for raw in ("+1 202 555 0123", "+1 876 555 1234", "+81 90 1234 5678"):  # US, Jamaica, JP
        with pytest.raises(InvalidNumber) as caught:
            abroad(raw)
        assert caught.value.reason == "country_not_allowed", raw
    # +1 is one calling code for many countries: the list tells them apart
    north_america = parse_countries(["us", "CA"])
    assert abroad("+1 202 555 0123", north_america) == "+12025550123"
    with pytest.raises(InvalidNumber):
        abroad("+1 876 555 1234", north_america)  # Jamaica


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # listed countries' numbers that cost the caller or reach no person
        ("+32 900 12 345", "premium"),  # Belgian premium rate
        ("+32 78 79 12 34", "premium"),  # Belgian shared cost
        ("+41 840 123 456", "premium"),  # Swiss shared cost
        ("+49 900 1234567", "premium"),  # German premium rate
        ("+34 803 123 456", "premium"),  # Spanish premium rate
        # no country at all: satellite and international networks and services
        ("+881 6 123 45678", "special"),  # Iridium
        ("+870 301 234 567", "special"),  # Inmarsat
        ("+882 34 2123 4", "special"),  # international networks
        ("+883 510 012 345", "special"),
        ("+979 123 456 789", "special"),  # international premium rate
        ("+808 1234 5678", "special"),  # international shared cost
        ("+800 1234 5678", "special"),  # international freephone
    ],
)
def test_listed_countries_never_open_costly_or_satellite_numbers(raw: str, reason: str) -> None:
    everywhere = frozenset(["BE", "CH", "DE", "ES", "GB", "US"])
    with pytest.raises(InvalidNumber) as caught:
        normalize_number(raw, allow_international=True, countries=everywhere)
    assert caught.value.reason == reason


def test_the_country_list_is_checked() -> None:
    assert parse_countries([" be", "CH", ""]) == frozenset({"BE", "CH"})
    assert parse_countries([]) == frozenset()
    for wrong in (["+32"], ["33"], ["XX"], ["Belgium"]):
        with pytest.raises(ConfigError, match="ISO 3166"):
            parse_countries(wrong)
