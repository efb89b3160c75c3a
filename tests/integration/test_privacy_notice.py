"""A live call's greeting tells the caller that the call is handled by an assistant
and transcribed, and where to learn more: the call flow's privacy notice, as the
caller hears it (Whisper transcribes the caller's recording), not as the bot meant it.

The flow here is the demo's with a notice of its own wording: heard on the call, it
can only have come from the flow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ivr_flows import DEFAULT_FLOW
from tests.integration.stack import Stack
from tests.support.sip_caller import CallSession
from tests.support.transcribe import transcribe

pytestmark = pytest.mark.asterisk

NOTICE_FR = (
    "Cet appel est traité par un assistant automatique et transcrit. Pour en savoir plus, "
    "consultez le site internet de la commune, rubrique protection des données."
)
NOTICE_EN = "This call is transcribed. More on the city's website, under data protection."
# words of NOTICE_FR that the greeting does not say otherwise
NOTICE_WORDS = {"automatique", "site", "internet", "commune", "rubrique", "protection", "données"}


def flow_with_notice(path: Path) -> Path:
    data = yaml.safe_load(DEFAULT_FLOW.read_text(encoding="utf-8"))
    data["prompts"]["fr"]["privacy_notice"] = {"text": NOTICE_FR}
    data["prompts"]["en"]["privacy_notice"] = {"text": NOTICE_EN}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


async def test_the_greeting_says_the_flows_privacy_notice(stack: Stack, tmp_path: Path) -> None:
    stack.base_env.update(
        flow_file=str(flow_with_notice(tmp_path / "flow.yaml")), silence_timeout_s="3"
    )
    stack.guichet("mode", "night")  # the voicebot answers whatever the clock says
    controller = await stack.start_controller()
    try:
        async with CallSession(
            stack.sip_target("3000"), workdir=tmp_path, user="0612345678", max_duration_s=60
        ) as call:
            assert await call.wait_established(10), call.log
            started = await controller.wait_for_line(r"call (\S+): answered -> voicebot", 15)
            call_id = started.group(1)
            # the caller said nothing: once the whole greeting has been played, the bot
            # asks whether anyone is there; hang up then
            await controller.wait_for_line(rf"call {call_id}: bot says: Êtes-vous", 60)
        result = call.result()
    finally:
        await controller.stop()

    assert result.recording is not None, result.log
    heard = transcribe(result.recording, "fr")
    said = words(heard)
    # the flow's own words, as the caller heard them (Whisper mishears a few of the
    # synthetic voice's: "le site" comes out as "l'osite" at times)
    assert any(w.startswith("transcri") for w in said), heard
    assert len(NOTICE_WORDS & said) >= 4, heard
    # after the invitation to ask (which the caller hears first)
    assert heard.lower().index("question") < heard.lower().index("protection"), heard
