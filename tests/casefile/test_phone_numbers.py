import pytest

from guichet.casefile.errors import InvalidNumber
from guichet.casefile.phone_numbers import (
    NumberKind,
    can_receive_sms,
    format_national,
    normalize_number,
    number_kind,
)


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
        ("05 96 12 34 56", "+596596123456"),  # Martinique landline
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
        ("+262 123 45 67 89", "invalid"),
    ],
)
def test_rejects_with_a_reason(raw: str | None, reason: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        normalize_number(raw)
    assert caught.value.reason == reason
    assert str(caught.value)  # a message for the agent


def test_international_when_allowed() -> None:
    assert normalize_number("+44 20 7946 0958", allow_international=True) == "+442079460958"
    assert number_kind("+442079460958") is NumberKind.FOREIGN


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
