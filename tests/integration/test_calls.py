"""Real calls into the real Asterisk 22, placed with baresip, judged by what the
caller heard and what the store kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from guichet.store import open_store
from pbx.call_store import CallRepository
from tests.integration.stack import Stack
from tests.support.audio import active_seconds, best_correlation, gsm_to_wav, read_wav
from tests.support.sip_caller import CallSession, place_call

pytestmark = pytest.mark.asterisk

GREETING = "hello-world"
GREETING_S = 1.1


def reference(stack: Stack, sound: str, tmp_path: Path) -> Path:
    """An Asterisk prompt in the trunk's language (French), as 8 kHz WAV."""
    return gsm_to_wav(stack.sounds_dir / "fr" / f"{sound}.gsm", tmp_path / f"{sound}.wav")


async def call_records(stack: Stack) -> CallRepository:
    return CallRepository(open_store(stack.settings.store_url))


async def test_city_number_answers_with_the_greeting(stack: Stack, tmp_path: Path) -> None:
    controller = await stack.start_controller()
    try:
        result = await place_call(stack.sip_target("3000"), listen_s=8, workdir=tmp_path)
        line = await controller.wait_for_line(r"call (\S+) ended \((\w+)\)", timeout=10)
    finally:
        await controller.stop()

    assert result.established, result.log
    assert result.recording is not None
    heard, rate = read_wav(result.recording)
    greeting, _ = read_wav(reference(stack, GREETING, tmp_path))
    score, offset = best_correlation(heard, greeting, rate)
    assert score > 0.8, f"greeting not heard (correlation {score:.2f})"
    assert offset < 2.0  # right after answering
    # the controller hung up after the greeting: the caller did not wait 8 s
    assert result.duration_s < 6, result.log

    call_id, reason = line.group(1), line.group(2)
    assert reason == "completed"
    calls = await call_records(stack)
    record = await calls.get(call_id)
    assert record is not None and record.state == "ended"
    assert record.caller == "caller" and record.called == "3000"
    kinds = [kind for kind, _ in await calls.events(call_id)]
    assert kinds == [
        "call.started",
        "state.answered",
        "state.greeting",
        "state.greeting",
        "state.hanging_up",
        "state.ended",
    ]


async def test_controller_restart_takes_the_call_back(stack: Stack, tmp_path: Path) -> None:
    """Killed mid-greeting, the controller comes back and finishes the call."""
    repeats = 6  # a greeting long enough to kill and restart the controller inside it
    greeting = ",".join([GREETING] * repeats)
    first = await stack.start_controller(greeting_sound=greeting)
    async with CallSession(stack.sip_target("3000"), workdir=tmp_path, max_duration_s=40) as call:
        assert await call.wait_established(10), call.log
        started = await first.wait_for_line(r"call (\S+): answered -> greeting", timeout=10)
        call_id = started.group(1)
        await first.kill()  # SIGKILL: no goodbye, the websocket just drops

        second = await stack.start_controller(greeting_sound=greeting)
        try:
            await second.wait_for_line(rf"call {call_id} taken back in state greeting", 10)
            assert not call.closed, "the call was dropped while the controller was down"
            await second.wait_for_line(rf"call {call_id} ended \(completed\)", timeout=30)
            await call.wait_closed(10)
        finally:
            await second.stop()
    result = call.result()

    assert result.recording is not None
    heard, rate = read_wav(result.recording)
    one, _ = read_wav(reference(stack, GREETING, tmp_path))
    score, _ = best_correlation(heard, one, rate)
    assert score > 0.8
    # the whole greeting was heard, across the restart, and only then did it end
    assert active_seconds(heard, rate, threshold_db=-35) > 0.7 * repeats * GREETING_S
    assert result.duration_s > repeats * GREETING_S - 0.5

    calls = await call_records(stack)
    record = await calls.get(call_id)
    assert record is not None and record.end_reason == "completed"
    kinds = [kind for kind, _ in await calls.events(call_id)]
    assert "call.resumed" in kinds
    assert kinds[-2:] == ["state.hanging_up", "state.ended"]


async def test_controller_down_plays_the_recorded_message(stack: Stack, tmp_path: Path) -> None:
    """With no controller, Stasis() fails and the dialplan still says something useful."""
    result = await place_call(stack.sip_target("3000"), listen_s=12, workdir=tmp_path)
    assert result.established, result.log
    assert result.recording is not None
    heard, rate = read_wav(result.recording)
    for sound in ("sorry-youre-having-problems", "please-try-call-later"):
        ref, _ = read_wav(reference(stack, sound, tmp_path))
        score, _ = best_correlation(heard, ref, rate)
        assert score > 0.8, f"{sound} not heard ({score:.2f})"
    assert result.duration_s < 10  # then Asterisk hung up
    calls = await call_records(stack)
    assert await calls.open_calls() == []


async def test_call_from_outside_the_trunk_is_refused(stack: Stack, tmp_path: Path) -> None:
    controller = await stack.start_controller()
    try:
        result = await place_call(
            stack.sip_target("3000"), source_ip="127.0.0.2", listen_s=5, workdir=tmp_path
        )
    finally:
        await controller.stop()
    assert not result.established, result.log
    assert result.sip_status in (401, 403), result.log
    assert "started" not in controller.output  # the controller never saw it
