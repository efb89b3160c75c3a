"""The baresip harness against the real running Asterisk (numbers 3999 = echo test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.stack import Stack
from tests.support.audio import (
    active_seconds,
    best_correlation,
    dominant_frequency,
    gsm_to_wav,
    read_wav,
    tone,
)
from tests.support.sip_caller import CallSession, place_call

pytestmark = [pytest.mark.asterisk]

REFUSALS = {401, 403, 407, 488, 603}


def _echotest_prompt(asterisk: Stack, out: Path) -> Path:
    for lang in (asterisk.settings.default_language, "fr_CA_f_June", "en_US_f_Allison", "en"):
        gsm = asterisk.sounds_dir / lang / "demo-echotest.gsm"
        if gsm.exists():
            return gsm_to_wav(gsm, out)
    raise AssertionError(f"no demo-echotest.gsm under {asterisk.sounds_dir}")


@pytest.mark.slow
async def test_echo_call_hears_prompt_then_own_tone(
    running_asterisk: Stack, tmp_path: Path
) -> None:
    prompt, rate = read_wav(_echotest_prompt(running_asterisk, tmp_path / "prompt.wav"))
    prompt_s = len(prompt) / rate
    mic = tmp_path / "tone.wav"
    tone(1000.0, prompt_s + 6.0, path=mic)

    result = await place_call(
        running_asterisk.sip_target("3999"),
        audio_in=mic,
        listen_s=prompt_s + 4.0,
        workdir=tmp_path,
    )

    assert result.established, result.log
    assert result.sip_status is None, result.log
    assert result.recording is not None and result.sent is not None, result.log
    heard, heard_rate = read_wav(result.recording)
    assert heard_rate == 8000
    assert len(heard) / heard_rate >= prompt_s + 2.0, result.log

    score, offset_s = best_correlation(heard, prompt, rate)
    assert score > 0.9, f"prompt correlation {score:.2f} at {offset_s:.2f}s"
    assert offset_s < 2.0, f"prompt found late, at {offset_s:.2f}s"

    echo_start = round((offset_s + prompt_s + 0.5) * rate)
    echo = heard[echo_start:]
    assert active_seconds(echo, rate, threshold_db=-30) >= 2.0, "no echo after the prompt"
    assert abs(dominant_frequency(echo, rate) - 1000.0) < 25.0


async def test_call_from_unknown_address_is_refused(
    running_asterisk: Stack, tmp_path: Path
) -> None:
    result = await place_call(
        running_asterisk.sip_target("3999"),
        source_ip="127.0.0.2",
        listen_s=2.0,
        workdir=tmp_path,
        timeout_s=10.0,
    )
    assert not result.established, result.log
    assert result.sip_status in REFUSALS, (result.closed_reason, result.log)
    assert result.duration_s < 5.0


async def test_session_hangup_and_authenticated_account(
    running_asterisk: Stack, tmp_path: Path
) -> None:
    secrets = json.loads(running_asterisk.secrets_path.read_text())
    password = secrets["sip_accounts"]["1001"]
    async with CallSession(
        running_asterisk.sip_target("3999"),
        user="1001",
        password=password,
        workdir=tmp_path,
    ) as call:
        assert await call.wait_established(10), call.log
        await call.wait_for_line(r"incoming rtp for 'audio' established", 5)
        call.hangup()
        reason = await call.wait_closed(5)
    assert reason == "local hangup", call.log
    result = call.result()
    assert result.established and not result.remote_hangup
    assert result.sip_status is None
    assert result.recording is not None and result.recording.exists()


async def test_wrong_password_is_refused(running_asterisk: Stack, tmp_path: Path) -> None:
    result = await place_call(
        running_asterisk.sip_target("3999"),
        user="1001",
        password="not-the-password",
        listen_s=2.0,
        workdir=tmp_path,
    )
    assert not result.established, result.log
    assert result.sip_status in REFUSALS, (result.closed_reason, result.log)
