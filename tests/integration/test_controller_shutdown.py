"""The controller stopped with a call in progress (SIGTERM from a service manager,
SIGINT from Ctrl-C; alone, or with the whole of ``guichet up``): it stops cleanly —
no task left pending ("Task was destroyed but it is pending"), no callback on a
closed loop ("Event loop is closed"), no traceback — and the call's row ends with a
reason; the caller goes to the dialplan's controller-down path (at night: the closed
message, then a hang-up) rather than being left in silence. Real Asterisk 22, the
real controller, a baresip caller (issue 10)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from guichet.settings import load_settings
from guichet.store import open_store
from pbx.calls import CallRecord, CallRepository, CallState
from tests.integration.stack import GUICHET, Stack, stack_env
from tests.integration.test_up import SIP, UP_PORTS
from tests.support.processes import WatchedProcess
from tests.support.sip_caller import CallSession
from tests.support.speech import caller_audio

pytestmark = pytest.mark.asterisk

NOT_CLEAN = ("Task was destroyed", "Event loop is closed", "Traceback", "was never awaited")
QUESTION = (0.5, "Quels sont les horaires d'ouverture de la mairie ?")


async def stored_call(store_url: str, call_id: str) -> CallRecord | None:
    store = open_store(store_url)
    try:
        return await CallRepository(store).get(call_id)
    finally:
        store.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_controller_stopped_mid_call_stops_cleanly_and_ends_the_call(
    stack: Stack, tmp_path: Path, sig: signal.Signals
) -> None:
    stack.guichet("mode", "night")
    # the caller talks over the greeting; the stop comes once the question is heard,
    # while the answer is looked up and synthesized (engines at work in their threads)
    mic = caller_audio(tmp_path / "question.wav", QUESTION)
    controller = await stack.start_controller()
    try:
        async with CallSession(
            stack.sip_target("3000"),
            workdir=tmp_path,
            user="0612345678",
            audio_in=mic,
            max_duration_s=60,
        ) as call:
            assert await call.wait_established(10), call.log
            started = await controller.wait_for_line(r"call (\S+): answered -> voicebot", 15)
            call_id = started.group(1)
            # the question was heard: the answer is being looked up and synthesized
            await controller.wait_for_line(rf"call {call_id}: turn \d+ heard", 60)
            controller.send_signal(sig)
            code = await controller.wait(30)
            # what the call had made in Asterisk went with it (its media link)
            assert "guichet-" not in stack.asterisk.cli("bridge show all")
            assert "guichet-media-" not in stack.asterisk.cli("core show channels concise")
            # handed to the dialplan, which says the city hall is closed and hangs up
            await call.wait_closed(30)
    finally:
        await controller.stop()

    output = controller.output
    assert code == 0, output
    for sign in NOT_CLEAN:
        assert sign not in output, output
    record = await stored_call(stack.settings.store_url, call_id)
    assert record is not None and record.state is CallState.ENDED, record
    assert record.end_reason == "controller_stopped", record


async def test_guichet_up_stopped_mid_call_stops_cleanly_and_ends_the_call(
    tmp_path: Path, demo_kb_index: Path
) -> None:
    """Ctrl-C on ``guichet up`` while a call is in progress: the same, and Asterisk goes
    too (so the caller is hung up)."""
    env = stack_env(tmp_path / "home", kb_index=str(demo_kb_index), **UP_PORTS)
    subprocess.run([GUICHET, "mode", "night"], env=env, check=True, capture_output=True)
    mic = caller_audio(tmp_path / "question.wav", QUESTION)
    up = await WatchedProcess([GUICHET, "up"], env).start()
    try:
        await up.wait_for_line(r"^ready$", timeout=120)
        async with CallSession(
            f"3000@{SIP}", workdir=tmp_path, user="0612345678", audio_in=mic, max_duration_s=60
        ) as call:
            assert await call.wait_established(10), call.log
            started = await up.wait_for_line(r"call (\S+): answered -> voicebot", 15)
            call_id = started.group(1)
            await up.wait_for_line(rf"call {call_id}: turn \d+ heard", 60)
            up.send_signal(signal.SIGINT)
            code = await up.wait(60)
            await call.wait_closed(30)
    finally:
        up.send_signal(signal.SIGINT)  # only if the test failed before its own

    output = up.output
    assert code == 0, output
    assert "Guichet stopped." in output
    for sign in NOT_CLEAN:
        assert sign not in output, output
    record = await stored_call(load_settings(env).store_url, call_id)
    assert record is not None and record.state is CallState.ENDED, record
    assert record.end_reason == "controller_stopped", record
