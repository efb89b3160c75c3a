"""The caller's language on live calls (issue 11 §1): real Asterisk 22, the real
controller with Whisper and the demo knowledge base, baresip callers speaking with the
test callers' voices (MBROLA fr4 / en1, never the bot's). A French caller who opens
with "Allô ?" stays French; an English caller is answered in English; the case and
the call learn the language only from what the caller said."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.stack import Stack
from tests.integration.test_live_calls import (  # noqa: F401 - fixtures used by name
    Records,
    dial_city_hall,
    live,
    records,
    twilio,
    words,
)
from tests.support.speech import caller_audio
from tests.support.transcribe import transcribe

pytestmark = pytest.mark.asterisk


@dataclass(frozen=True)
class VoicebotCall:
    call_id: str
    card: str  # the card the bot answered from
    recording: Path  # what the caller heard
    log: str  # the controller's output


async def voicebot_call(stack: Stack, tmp_path: Path, mic: Path, *also: str) -> VoicebotCall:
    """A night call to the voicebot, answered from a card; waits for each line of
    ``also`` too (a pattern with ``{call_id}``), then for the end of the call."""
    stack.guichet("mode", "night")
    controller = await stack.start_controller()
    try:
        async with dial_city_hall(stack, tmp_path, mic) as call:
            assert await call.wait_established(10), call.log
            started = await controller.wait_for_line(r"call (\S+): answered -> voicebot", 15)
            call_id = started.group(1)
            for pattern in also:
                await controller.wait_for_line(pattern.format(call_id=re.escape(call_id)), 60)
            answered = await controller.wait_for_line(
                rf"call {call_id}: turn \d+ answered from card (\S+)", 60
            )
            await controller.wait_for_line(rf"call {call_id} ended \((\w+)\)", 60)
            await call.wait_closed(10)
    finally:
        await controller.stop()
    recording = call.result().recording
    assert recording is not None
    return VoicebotCall(call_id, answered.group(1), recording, controller.output)


async def test_a_french_caller_who_opens_with_allo_is_answered_in_french(
    live: Stack,  # noqa: F811
    records: Records,  # noqa: F811
    tmp_path: Path,
) -> None:
    mic = caller_audio(
        tmp_path / "allo.wav",
        (1.0, "Allô ?"),
        (2.5, "Quels sont les horaires d'ouverture de la mairie ?"),
    )
    done = await voicebot_call(live, tmp_path, mic)
    call_id = done.call_id

    assert done.card == "horaires-mairie"
    assert f"call {call_id}: language en" not in done.log
    assert f"call {call_id}: language fr (detected)" in done.log
    heard = transcribe(done.recording, "fr")
    assert len({"lundi", "vendredi", "samedi", "république"} & words(heard)) >= 3, heard

    case = await records.cases.case_for_call(call_id)
    assert case is not None and case.language == "fr"
    case_file = await records.cases.get_case(case.id)
    bot_turns = [t.text for t in case_file.turns if t.speaker == "bot"]
    assert "I'll continue in English." not in bot_turns
    record = await records.calls.get(call_id)
    assert record is not None
    assert (record.facts.lang, record.facts.lang_known) == ("fr", True)


async def test_an_english_caller_is_answered_in_english(
    live: Stack,  # noqa: F811
    records: Records,  # noqa: F811
    tmp_path: Path,
) -> None:
    mic = caller_audio(
        tmp_path / "english.wav",
        (1.0, "Hello, I'd like to know when the town hall opens on Saturday."),
        lang="en",
    )
    done = await voicebot_call(live, tmp_path, mic, r"call {call_id}: language en \(detected\)")
    call_id = done.call_id

    assert done.card == "town-hall-opening-hours"
    heard = transcribe(done.recording, "en")
    assert "continue in english" in heard.lower(), heard
    assert len({"monday", "friday", "saturday", "morning"} & words(heard)) >= 3, heard

    case = await records.cases.case_for_call(call_id)
    assert case is not None and case.language == "en"
    case_file = await records.cases.get_case(case.id)
    bot_turns = [t.text for t in case_file.turns if t.speaker == "bot"]
    assert "I'll continue in English." in bot_turns
    caller_turn = next(t for t in case_file.turns if t.speaker == "caller")
    assert {"town", "hall", "saturday"} <= words(caller_turn.text), caller_turn.text
    record = await records.calls.get(call_id)
    assert record is not None
    assert (record.facts.lang, record.facts.lang_known) == ("en", True)
