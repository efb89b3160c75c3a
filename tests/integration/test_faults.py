"""Faults on the real stack (Asterisk 22, ``guichet controller run``, baresip callers):
a store that fails mid-call still gives the caller an apology and the flow's routing,
the call ends with reason ``error``, and the next call is served; and the dialplan's
absolute time limit ends a call whatever the controller does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from guichet.store import open_store
from pbx.calls import CallRepository
from tests.integration.stack import Stack, start_stack
from tests.support.rtp_capture import RtpCapture
from tests.support.sip_caller import CallSession
from tests.support.transcribe import transcribe

pytestmark = pytest.mark.asterisk

# this module's absolute limit (call_max_duration_s). The greeting, with its privacy
# notice and English offer, lasts 18 s and starts later on a loaded machine: the limit
# falls in the silence after it, so the dialplan's goodbye is heard on its own rather
# than cut into the greeting's last words
MAX_CALL_S = 28
HEARD_WITHIN_S = 2.0  # from the fault to the caller hearing something


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, demo_kb_index: Path) -> Iterator[Stack]:
    """This module's own Asterisk: calls from the trunk last at most MAX_CALL_S (the
    limit is rendered into the dialplan when Asterisk starts)."""
    running = start_stack(
        tmp_path_factory.mktemp("guichet-faults"),
        kb_index=str(demo_kb_index),
        call_max_duration_s=str(MAX_CALL_S),
    )
    try:
        yield running
    finally:
        running.asterisk.stop()


def dial(stack: Stack, workdir: Path, max_duration_s: float = 40) -> CallSession:
    return CallSession(
        stack.sip_target("3000"), workdir=workdir, user="0612345678", max_duration_s=max_duration_s
    )


def inject(stack: Stack, sql: str) -> None:
    """Change the controller's own store behind its back (a fault, or its repair)."""
    store = open_store(stack.settings.store_url, migrate_schema=False)
    try:
        with store.engine.begin() as db:
            db.execute(sa.text(sql))
    finally:
        store.close()


async def test_a_failing_store_still_gives_the_caller_an_apology_and_the_next_call_works(
    stack: Stack, tmp_path: Path
) -> None:
    stack.guichet("mode", "night")
    controller = await stack.start_controller()
    try:
        # the fault: no case can be opened (the call row itself can still be written)
        inject(
            stack,
            "CREATE TRIGGER fault_cases BEFORE INSERT ON cases "
            "BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
        )
        async with (
            RtpCapture(stack.settings.rtp_start, stack.settings.rtp_end) as capture,
            dial(stack, tmp_path / "first") as call,
        ):
            assert await call.wait_established(10), call.log
            answered_at = time.time()
            started = await controller.wait_for_line(r"call (\S+) started", 10)
            call_id = started.group(1)
            await controller.wait_for_line(rf"call {call_id}: to the last resort", 10)
            await controller.wait_for_line(rf"call {call_id} ended \((\w+)\)", 10)
            # night: the apology, the closed message, then Asterisk hangs up
            closed = await call.wait_closed(30)
        heard_after_s = capture.flow().first_at - answered_at
        heard = transcribe(call.result().recording, "fr")  # type: ignore[arg-type]

        inject(stack, "DROP TRIGGER fault_cases")  # the store is repaired
        async with dial(stack, tmp_path / "second") as second:
            assert await second.wait_established(10), second.log
            greeted = await controller.wait_for_line(r"call (\S+): bot says: Bonjour", 30)
            second.hangup()
            await second.wait_closed(10)
        next_id = greeted.group(1)
        await controller.wait_for_line(rf"call {next_id} ended \((\w+)\)", 10)
    finally:
        await controller.stop()

    assert call.result().remote_hangup, closed  # the dialplan ended it, not the caller
    assert heard_after_s < HEARD_WITHIN_S, heard_after_s
    assert "désolé" in heard.lower(), heard  # "désolé que vous ayez des problèmes"
    calls = CallRepository(open_store(stack.settings.store_url, migrate_schema=False))
    first = await calls.get(call_id)
    assert first is not None and first.end_reason == "error"
    served = await calls.get(next_id)
    assert served is not None and served.end_reason == "caller_hangup"
    assert served.facts.case_id  # the repaired store opened its case


async def test_a_call_never_outlasts_the_dialplans_time_limit(stack: Stack, tmp_path: Path) -> None:
    """The final guard: a silent caller the voicebot would keep prompting for longer
    is hung up by Asterisk itself at the limit, whatever the controller does."""
    stack.guichet("mode", "night")
    controller = await stack.start_controller(silence_timeout_s="20", max_silences="5")
    try:
        async with dial(stack, tmp_path, max_duration_s=MAX_CALL_S + 30) as call:
            assert await call.wait_established(10), call.log
            established = time.monotonic()
            started = await controller.wait_for_line(r"call (\S+): answered -> voicebot", 15)
            await call.wait_closed(MAX_CALL_S + 15)
            lasted_s = time.monotonic() - established
        call_id = started.group(1)
        await controller.wait_for_line(rf"call {call_id} ended \((\w+)\)", 10)
    finally:
        await controller.stop()
    assert call.result().remote_hangup
    assert MAX_CALL_S - 1 <= lasted_s <= MAX_CALL_S + 5, lasted_s
    heard = transcribe(call.result().recording, "fr")  # type: ignore[arg-type]
    assert "revoir" in heard.lower(), heard  # the limit's goodbye (vm-goodbye)
