"""The controller stopped while calls are in progress (its task cancelled, as SIGTERM
or Ctrl-C do): every call winds up — its caller sent to the dialplan's last resort,
its row ended as ``controller_stopped`` — all of them, even though the stop is itself
a cancellation, and nothing is left running (issue 10). Fake ARI, real store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

import ivr_flows
from guichet.settings import Settings
from ivr_flows.loader import load_flow
from pbx.ari.events import AriEvent, parse_event
from pbx.calls import (
    LAST_RESORT_CONTEXT,
    Answered,
    AriConnection,
    CallController,
    CallFacts,
    CallSession,
    CallState,
    CallStep,
    Voicebot,
)
from pbx.queues.flow import HandOver
from pbx.voicebot_call import VoicebotStep
from tests.support.call_fakes import CallHarness
from tests.voicebot.fakes import FakeAsr, FakeEngines, fake_knowledge
from voicebot import Frame, Lang, VoicebotConfig, VoicebotPipeline

WITHIN_S = 5.0


class Busy:
    """A step in the middle of something when the stop comes (a conversation), whose
    own clean-up awaits helpers, as the real steps' do."""

    def __init__(self) -> None:
        self.calls: set[str] = set()
        self.changed = asyncio.Event()
        self.cleaned: set[str] = set()

    async def run(self, call: CallSession) -> None:
        helper = asyncio.ensure_future(asyncio.Event().wait())
        self.calls.add(call.call_id)
        self.changed.set()
        try:
            await asyncio.Event().wait()
        finally:
            helper.cancel()
            await asyncio.wait({helper})
            self.cleaned.add(call.call_id)


def stasis_start(channel_id: str) -> AriEvent:
    return parse_event(
        {
            "application": "guichet",
            "type": "StasisStart",
            "args": [],
            "channel": {
                "id": channel_id,
                "name": f"PJSIP/trunk-{channel_id}",
                "state": "Up",
                "caller": {"name": "", "number": "0612345678"},
                "dialplan": {"context": "from-trunk", "exten": "3000", "priority": 1},
                "language": "fr",
            },
        }
    )


async def test_a_stopped_controller_winds_up_every_call(harness: CallHarness) -> None:
    busy = Busy()
    ctl = CallController(
        ari=AriConnection("http://127.0.0.1:9", "guichet", "u", "p"),
        rest=harness.rest,  # type: ignore[arg-type]
        calls=harness.calls,
        cases=harness.cases,
        bus=harness.bus,
        steps={CallState.NEW: busy},
        timeouts=harness.timeouts,
    )

    async def serve() -> None:
        # what run_controller does: serve until cancelled, then close the controller
        try:
            await asyncio.Event().wait()
        finally:
            await ctl.aclose()

    serving = asyncio.ensure_future(serve())
    for channel_id in ("c1", "c2", "c3"):
        await ctl.on_event(stasis_start(channel_id))
    async with asyncio.timeout(WITHIN_S):
        while len(busy.calls) < 3:
            busy.changed.clear()
            await busy.changed.wait()

    serving.cancel()  # the stop
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(serving, WITHIN_S)

    for channel_id in ("c1", "c2", "c3"):
        assert harness.rest.moved_to(channel_id) == [(LAST_RESORT_CONTEXT, "s")], channel_id
        record = await harness.calls.get(channel_id)
        assert record is not None and record.state is CallState.ENDED, channel_id
        assert record.end_reason == "controller_stopped", channel_id
    assert busy.cleaned == {"c1", "c2", "c3"}
    assert ctl.sessions == {}


async def test_a_conversation_stopped_mid_call_leaves_no_task_behind(
    harness: CallHarness, tmp_path: Path
) -> None:
    """The bot is talking when the controller stops: every task the conversation
    started (the pipeline's stages, the wait for its next output, the case writer)
    is cancelled and awaited with it — none is left for the event loop to destroy
    while pending — and the call winds up as any other."""
    engines = FakeEngines(FakeAsr())
    config = VoicebotConfig.from_settings(Settings(home=tmp_path))

    def make_pipeline(
        *,
        sample_rate: int,
        lang: Lang | None,
        humans_available: bool,
        on_event: Callable[[Frame], None],
    ) -> VoicebotPipeline:
        return VoicebotPipeline.voicebot(
            engines, fake_knowledge(), config, sample_rate=sample_rate, lang=lang,
            greet=True, paced=False, humans_available=humans_available,
            silence_timeout_s=0, on_event=on_event,
        )  # fmt: skip

    flow = load_flow(Path(ivr_flows.__file__).parent / "default.yaml")
    step = VoicebotStep(
        make_pipeline, harness.cases, harness.bus, HandOver(flow, ["reception"], lambda _q: False)
    )
    steps: dict[CallState, CallStep] = {CallState.VOICEBOT: step}
    session = await harness.session(steps)
    case = await harness.cases.open_case(call_id="c1", caller_number="+33612345678")
    await session.go(Answered(), facts=CallFacts(case_id=case.id, lang="fr", lang_known=True))
    await session.go(Voicebot(link_id="v1"))
    try:
        running = asyncio.ensure_future(session.run())
        link = await harness.links.next(WITHIN_S)
        await asyncio.wait_for(link.audio.wait(), WITHIN_S)  # the greeting is heard

        running.cancel()  # the stop
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(running, WITHIN_S)
    finally:
        engines.close()
    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert left == [], left
    assert link.closed.is_set()
    assert harness.rest.moved_to("c1") == [(LAST_RESORT_CONTEXT, "s")]
    record = await harness.calls.get("c1")
    assert record is not None and record.end_reason == "controller_stopped"
