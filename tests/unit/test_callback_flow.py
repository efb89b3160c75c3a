"""The callback dialog on the phone, with a recording speaker and keys typed in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from guichet.casefile.phone_numbers import normalize_number, parse_countries
from guichet.casefile.records import CallbackRecord, CallbackStatus
from pbx.callbacks import (
    CallbackDialog,
    spoken_due,
    spoken_reference,
)
from voicebot import for_the_ear

PARIS = ZoneInfo("Europe/Paris")


class Speaker:
    """Records the prompts; after the n-th one, the caller types ``answers[n]``."""

    def __init__(self, keys: asyncio.Queue[str], answers: list[str]) -> None:
        self.keys = keys
        self.answers = answers
        self.said: list[str] = []

    async def say(self, text: str, lang: str, interrupt: asyncio.Event | None = None) -> bool:
        self.said.append(text)
        if self.answers:
            for key in self.answers.pop(0):
                self.keys.put_nowait(key)
        return True


def dialog(
    *answers: str, lang: str = "fr", countries: list[str] | None = None
) -> tuple[CallbackDialog, Speaker]:
    """``countries``: international numbers allowed, from these countries (the check
    CallbackBook.normalize makes, which the CALLBACK step hands the dialog)."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    speaker = Speaker(queue, list(answers))
    normalize = partial(
        normalize_number,
        allow_international=countries is not None,
        countries=parse_countries(countries or []),
    )
    return (
        CallbackDialog(
            speaker,
            queue,
            lang,
            PARIS,
            normalize=normalize,
            first_key_timeout_s=0.05,
            next_key_timeout_s=0.05,
        ),
        speaker,
    )


def test_numbers_references_and_times_are_spoken_for_the_ear() -> None:
    assert spoken_reference("CB-4K7Q2") == "C B, 4 K 7 Q 2"
    due = datetime(2026, 11, 27, 13, 30, tzinfo=UTC)  # 14:30 in Paris
    assert spoken_due(due, PARIS, "fr") == "vendredi 27 novembre à 14 heures 30"
    assert spoken_due(due, PARIS, "en") == "Friday November 27 at 14:30"


async def test_caller_id_confirmed_with_1() -> None:
    flow, speaker = dialog("1")
    assert await flow.confirm_number("0612345678") == "+33612345678"
    assert "06 12 34 56 78" in speaker.said[0]
    # spoken the way the voicebot speaks numbers
    assert "zéro six, douze, trente-quatre" in for_the_ear(speaker.said[0], "fr")


async def test_withheld_number_is_keyed_in_then_confirmed() -> None:
    flow, speaker = dialog("0698765432#", "1")
    assert await flow.confirm_number(None) == "+33698765432"
    assert speaker.said[0].startswith("Tapez le numéro")
    assert "06 98 76 54 32" in speaker.said[1]  # read back before it counts


async def test_another_number_replaces_the_caller_id() -> None:
    flow, _ = dialog("0698765432#", "1")
    assert await flow.confirm_number("0612345678") == "+33698765432"


async def test_keys_typed_ahead_skip_the_prompt() -> None:
    flow, speaker = dialog()
    for key in "1":
        flow.keys.put_nowait(key)
    assert await flow.confirm_number("0612345678") == "+33612345678"
    assert speaker.said == []


async def test_invalid_number_is_refused_and_silence_gives_up() -> None:
    flow, speaker = dialog("0899#")
    assert await flow.confirm_number("anonymous") is None
    assert any("n'est pas valide" in text for text in speaker.said)
    # three attempts in all, the last two unanswered
    assert len([t for t in speaker.said if t.startswith("Tapez le numéro")]) == 3


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_booked_says_reference_time_and_sms(lang: str) -> None:
    flow, speaker = dialog(lang=lang)
    record = CallbackRecord(
        id="cb1",
        reference="CB-4K7Q2",
        case_id="k1",
        number="+33612345678",
        language=lang,
        requested_at=datetime(2026, 11, 26, 20, 0, tzinfo=UTC),
        due_by=datetime(2026, 11, 27, 13, 30, tzinfo=UTC),
        status=CallbackStatus.PENDING,
        sms_id="sms1",
    )
    await flow.booked(record)
    assert "C B, 4 K 7 Q 2" in speaker.said[0]
    assert ("SMS" in speaker.said[0]) if lang == "fr" else ("text message" in speaker.said[0])


async def test_a_keyed_number_in_no_french_range_is_refused_and_asked_again() -> None:
    # 07 12 … has the shape of a mobile but no operator holds it: a slip of the finger
    flow, speaker = dialog("0712345678#", "0781234567#", "1")
    assert await flow.confirm_number(None) == "+33781234567"
    assert "n'existe pas" in speaker.said[1]
    assert "07 12" not in " ".join(speaker.said)  # never read back as if it were good
    assert "07 81 23 45 67" in speaker.said[2]


async def test_a_caller_id_in_no_french_range_is_not_offered() -> None:
    flow, speaker = dialog("0612345678#", "1")
    assert await flow.confirm_number("+33712345678") == "+33612345678"
    assert speaker.said[0].startswith("Tapez le numéro")


@pytest.mark.parametrize(
    ("countries", "keyed", "heard"),
    [
        (None, "0032470123456#", "que les numéros français"),
        (["BE"], "0041781234567#", "numéros de ce pays"),
        (["BE"], "003290012345#", "surtaxé"),  # Belgian premium rate
        (["BE"], "00881612345678#", "ce type de numéro"),  # Iridium satellite
        (None, "0892680292#", "surtaxé"),
    ],
)
async def test_the_dialog_says_why_a_number_is_refused(
    countries: list[str] | None, keyed: str, heard: str
) -> None:
    flow, speaker = dialog(keyed, countries=countries)
    assert await flow.confirm_number(None) is None
    assert heard in speaker.said[1]


async def test_a_listed_country_is_read_back_and_confirmed() -> None:
    flow, speaker = dialog("0032470123456#", "1", countries=["BE"])
    assert await flow.confirm_number(None) == "+32470123456"
    assert "+32470123456" in speaker.said[1]


async def test_booked_without_an_sms_promises_none() -> None:
    flow, speaker = dialog()
    record = CallbackRecord(
        id="cb1",
        reference="CB-4K7Q2",
        case_id="k1",
        number="+33612345678",
        language="fr",
        requested_at=datetime(2026, 11, 26, 20, 0, tzinfo=UTC),
        due_by=datetime(2026, 11, 27, 13, 30, tzinfo=UTC),
        status=CallbackStatus.PENDING,
        sms_refused="cap_per_destination",
    )
    await flow.booked(record)
    assert "C B, 4 K 7 Q 2" in speaker.said[0] and "SMS" not in speaker.said[0]
