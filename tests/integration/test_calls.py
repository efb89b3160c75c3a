"""Calls the controller does not take: the controller is down, or the caller is not
the trunk. (Calls it takes: test_live_calls.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from guichet.store import open_store
from ivr_flows.decision import Mode
from pbx.astdb import set_mode
from pbx.calls import CallRepository
from tests.integration.stack import Stack
from tests.support.audio import best_correlation, gsm_to_wav, read_wav
from tests.support.sip_caller import place_call

pytestmark = pytest.mark.asterisk


def reference(stack: Stack, sound: str, tmp_path: Path) -> Path:
    """An Asterisk prompt in the trunk's language (French), as 8 kHz WAV."""
    return gsm_to_wav(stack.sounds_dir / "fr" / f"{sound}.gsm", tmp_path / f"{sound}.wav")


async def call_records(stack: Stack) -> CallRepository:
    return CallRepository(open_store(stack.settings.store_url))


@pytest.fixture
def night(stack: Stack) -> Iterator[None]:
    """The routing mode set to night for one test, then back to auto. Without it the
    path after "sorry-youre-having-problems" follows the real clock: during opening
    hours it is the hold prompt, the reception queue and "no agent", which takes longer
    (test_controller_down_routing.py covers both)."""
    store = open_store(stack.settings.store_url)
    try:
        set_mode(stack.settings, store, Mode.NIGHT)
        yield
    finally:
        set_mode(stack.settings, store, Mode.AUTO)
        store.close()


@pytest.mark.usefixtures("night")
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
    assert not re.search(r"call \S+ started", controller.output)  # it never saw it
