"""The website's call button against real parts: Chromium (fake microphone: a French
caller's voice, MBROLA fr4, not the bot's) calls through ``/api/webcall/offer`` into
aiortc and the real voicebot (Whisper, the demo knowledge base, the bot's TTS); what
the page receives is recorded in the page (WebAudio) and transcribed with Whisper.
Asking for a person puts the call into the reception queue of the real Asterisk 22
(an externalMedia leg into the ``guichet`` application, routed by the real call
controller), where an auto-answer SIP phone (baresip) answers: each hears the other."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from playwright.async_api import Page

from agent_softphone.app import create_app
from agent_softphone.state import AppState
from agent_softphone.webcall import WebCalls
from guichet.bus import InMemoryBus
from guichet.casefile.records import Channel, Speaker
from guichet.casefile.repository import CaseRepository
from guichet.events import CallTransferred
from guichet.runner import bind_tcp
from guichet.store import Store
from guichet.tasks import TaskOwner
from pbx.asterisk_process import load_secrets
from pbx.errors import AmiError
from pbx.service import load_knowledge, serve_controller
from pbx.webcall import WEB_CHANNEL_PREFIX, PbxWebCalls, WebPipelines
from tests.integration.call_side import BusWatch, ami_action
from tests.integration.stack import Stack
from tests.support.audio import band_energy_ratio, read_wav, tone
from tests.support.browser import browser_context, served_page
from tests.support.recordings import recorded_more
from tests.support.served import serving
from tests.support.sip_caller import AgentPhone
from tests.support.speech import LINE_RATE, caller_audio
from tests.support.transcribe import transcribe
from voicebot import AnswerFrame, BotStoppedSpeakingFrame, Frame, VoicebotPipeline
from voicebot.audio import write_wav

pytestmark = pytest.mark.asterisk

QUESTION = "Quels sont les horaires d'ouverture de la mairie ?"
PERSON = "Je voudrais parler à un conseiller."
RECEPTION = "reception"
TEST_CONTEXT = "guichet-webcall-test"  # TEST ONLY: added over AMI, not in extensions.conf
CALLER_HZ, AGENT_HZ = 440.0, 1000.0
TALK_S = 3.0

# TEST ONLY: the page a city's site would be, served on the web app's origin by the
# browser's router; it records what the call plays (WebAudio) for the test to read
PAGE = """<!doctype html><html lang="fr"><meta charset="utf-8"><title>webcall test</title>
<script src="/webcall/call.js"></script>
<script>
window.heard = []; window.heardRate = 0;
window.capture = function (stream) {
  const ctx = new AudioContext();
  window.heardRate = ctx.sampleRate;
  const node = ctx.createScriptProcessor(4096, 1, 1);
  node.onaudioprocess = (e) => {
    window.heard.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  };
  ctx.createMediaStreamSource(stream).connect(node);
  node.connect(ctx.destination);
  // Chromium plays a remote WebRTC stream into WebAudio only while an element holds it
  const audio = new Audio(); audio.muted = true; audio.srcObject = stream; audio.play();
};
window.takeHeard = function () {
  const total = window.heard.reduce((n, b) => n + b.length, 0);
  const pcm = new Int16Array(total); let at = 0;
  for (const block of window.heard) {
    for (let i = 0; i < block.length; i++) pcm[at++] = Math.max(-1, Math.min(1, block[i])) * 32767;
  }
  window.heard = [];
  let text = ""; const bytes = new Uint8Array(pcm.buffer);
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  }
  return btoa(text);
};
window.startTestCall = async function () {
  window.statuses = [];
  window.call = await GuichetCall.startCall({
    base: "", lang: "fr", onRemoteStream: window.capture,
    onStatus: (s, m) => window.statuses.push([s, m]),
  });
  return window.call.id;
};
</script></html>"""


@dataclass
class Site:
    base_url: str
    store: Store
    webcalls: WebCalls
    pipelines: asyncio.Queue[VoicebotPipeline]
    bus: BusWatch  # the call side's events, waited on with a time-out


@pytest.fixture
async def site(stack: Stack, store: Store) -> AsyncIterator[Site]:
    """As ``guichet up`` wires it: the call controller (with the web calls' bridge)
    and the web app (with the call button's service), in this process."""
    settings = stack.settings
    bus = InMemoryBus()
    knowledge = await asyncio.to_thread(load_knowledge, settings)
    real = WebPipelines(settings, knowledge)
    made: asyncio.Queue[VoicebotPipeline] = asyncio.Queue()

    def make_pipeline(
        *, sample_rate: int, humans_available: bool, on_event: Callable[[Frame], None]
    ) -> VoicebotPipeline:
        pipeline = real(
            sample_rate=sample_rate, humans_available=humans_available, on_event=on_event
        )
        made.put_nowait(pipeline)  # the test waits on its events
        return pipeline

    bridge = PbxWebCalls()
    webcalls = WebCalls(
        settings=settings, cases=CaseRepository(store), make_pipeline=make_pipeline, bridge=bridge
    )
    state = AppState(store, bus=bus, settings=settings, webcalls=webcalls)
    owner = TaskOwner("test-site")
    ready = asyncio.Event()
    async with bus.subscribe() as events:
        owner.spawn(
            serve_controller(settings, store, bus, ready, knowledge=knowledge, webcalls=bridge),
            "controller",
        )
        owner.spawn(webcalls.serve(), "webcalls")
        try:
            sock = bind_tcp("127.0.0.1", settings.web_port, "web app")
            async with serving(create_app(state), sock):  # its lifespan on, as `guichet up`
                await asyncio.wait_for(ready.wait(), 90)
                yield Site(
                    f"http://127.0.0.1:{settings.web_port}",
                    store,
                    webcalls,
                    made,
                    BusWatch(events),
                )
        finally:
            await owner.aclose()


@contextlib.asynccontextmanager
async def call_page(site: Site, microphone: Path, workdir: Path) -> AsyncIterator[Page]:
    async with browser_context(microphone=microphone, workdir=workdir) as context:
        yield await served_page(context, f"{site.base_url}/webcall-test", PAGE)


async def heard(page: Page, path: Path) -> tuple[npt.NDArray[np.float32], int]:
    """What the page received so far, written as a WAV (and returned)."""
    data = base64.b64decode(await page.evaluate("window.takeHeard()"))
    rate = int(await page.evaluate("window.heardRate"))
    samples = (np.frombuffer(data, dtype="<i2") / 32768).astype(np.float32)
    write_wav(path, samples, rate)
    return samples, rate


def answered(card: str) -> Callable[[Sequence[Frame]], bool]:
    """The bot has said the answer of ``card`` to its end."""

    def done(events: Sequence[Frame]) -> bool:
        at = next(
            (
                i
                for i, e in enumerate(events)
                if isinstance(e, AnswerFrame) and e.card_id == card and not e.to_confirm
            ),
            None,
        )
        return at is not None and any(
            isinstance(e, BotStoppedSpeakingFrame) for e in events[at + 1 :]
        )

    return done


async def test_a_web_caller_hears_the_greeting_and_the_answer(
    site: Site, store: Store, tmp_path: Path
) -> None:
    mic = caller_audio(tmp_path / "question.wav", (12.0, QUESTION), (40.0, "."), voice="mb-fr4")
    async with call_page(site, mic, tmp_path) as page:
        call_id = await page.evaluate("window.startTestCall()")
        assert call_id in site.webcalls.calls
        pipeline = await asyncio.wait_for(site.pipelines.get(), 20)
        assert await pipeline.wait_for(answered("horaires-mairie"), 90), [
            type(e).__name__ for e in pipeline.events
        ]
        await heard(page, tmp_path / "heard.wav")
        call = site.webcalls.calls[call_id]
        await page.evaluate("window.call.hangup()")
    text = transcribe(tmp_path / "heard.wav", "fr").lower()
    # the greeting; Whisper base hears "assistant vocal" as "la siste en vocale" at times
    assert "bonjour" in text and ("assistant" in text or "vocal" in text), text
    assert {"lundi", "vendredi"} <= set(text.replace(",", " ").replace(".", " ").split()), text
    # the call's case: channel web, the caller's question and the bot's answer
    case_file = await CaseRepository(store).get_case(call.case_id)
    assert case_file.case.channel is Channel.WEB
    speakers = [t.speaker for t in case_file.turns]
    assert Speaker.CALLER in speakers and Speaker.BOT in speakers
    assert any(t.card_id == "horaires-mairie" for t in case_file.turns)


async def test_asking_for_a_person_lands_the_web_call_in_the_reception_queue(
    stack: Stack, site: Site, store: Store, tmp_path: Path
) -> None:
    # the caller asks for a person, then their microphone plays a tone the agent must hear
    spoken = caller_audio(tmp_path / "person.wav", (12.0, PERSON), voice="mb-fr4")
    voice, rate = read_wav(spoken)
    assert rate == LINE_RATE
    mic = tmp_path / "mic.wav"
    parts = [voice, np.zeros(LINE_RATE, dtype=np.float32), tone(CALLER_HZ, 60)]
    write_wav(mic, np.concatenate(parts).astype(np.float32), LINE_RATE)
    agent_mic = tmp_path / "agent.wav"
    tone(AGENT_HZ, 60, path=agent_mic)
    secrets = load_secrets(stack.settings).sip_accounts
    member = f"Local/1001@{TEST_CONTEXT}/n"
    await ami_action(
        stack,
        {
            "Action": "DialplanExtensionAdd",
            "Context": TEST_CONTEXT,
            "Extension": "1001",
            "Priority": "1",
            "Application": "Dial",
            "ApplicationData": "PJSIP/1001,30",
            "Replace": "yes",
        },
    )
    async with AgentPhone(
        f"{stack.sip_host}:{stack.sip_port}",
        user="1001",
        password=secrets["1001"],
        workdir=tmp_path / "agent",
        audio_in=agent_mic,
    ) as agent:
        await agent.wait_registered(10)
        await ami_action(
            stack,
            {
                "Action": "QueueAdd",
                "Queue": RECEPTION,
                "Interface": member,
                "StateInterface": "PJSIP/1001",
                "MemberName": "agent-1001",
            },
        )
        try:
            async with call_page(site, mic, tmp_path) as page:
                call_id = await page.evaluate("window.startTestCall()")
                call = site.webcalls.calls[call_id]
                transferred = await site.bus.event(
                    CallTransferred, lambda e: e.case_id == call.case_id, 90
                )
                assert transferred.queue == RECEPTION
                assert transferred.call_id.startswith(WEB_CHANNEL_PREFIX)
                assert await agent.wait_established(30), agent.log
                await heard(page, tmp_path / "before.wav")  # the bot's part, set aside
                # the conversation: until each side has received TALK_S of the other
                # (the page's WebAudio capture, the phone's dump), not a sleep
                await asyncio.gather(
                    page.wait_for_function(
                        "(s) => window.heard.reduce((n, b) => n + b.length, 0)"
                        " >= window.heardRate * s",
                        arg=TALK_S,
                        polling=100,
                        timeout=(TALK_S + 20) * 1000,
                    ),
                    recorded_more(agent, TALK_S, TALK_S + 20),
                )
                person, person_rate = await heard(page, tmp_path / "person-heard.wav")
                await page.evaluate("window.call.hangup()")
            await agent.wait_closed(15)
        finally:
            with contextlib.suppress(AmiError):
                await ami_action(
                    stack, {"Action": "QueueRemove", "Queue": RECEPTION, "Interface": member}
                )
    # the visitor heard the agent's phone, the agent heard the visitor's microphone
    talk = person[-int((TALK_S - 0.5) * person_rate) :]
    assert band_energy_ratio(talk, person_rate, AGENT_HZ - 30, AGENT_HZ + 30) > 0.5
    agent_heard, agent_rate = read_wav(agent.result().recording)  # type: ignore[arg-type]
    tail = agent_heard[-int((TALK_S - 0.5) * agent_rate) :]
    assert band_energy_ratio(tail, agent_rate, CALLER_HZ - 30, CALLER_HZ + 30) > 0.5
    case_file = await CaseRepository(store).get_case(call.case_id)
    assert case_file.case.channel is Channel.WEB
    assert any(t.speaker is Speaker.CALLER for t in case_file.turns)


async def test_calls_beyond_the_limit_are_refused_with_a_clear_status(
    site: Site, tmp_path: Path
) -> None:
    site.webcalls.limits.max_concurrent = 0
    mic = caller_audio(tmp_path / "q.wav", (1.0, QUESTION), voice="mb-fr4")
    async with call_page(site, mic, tmp_path) as page:
        failure = await page.evaluate(
            "window.startTestCall().then(() => null, (e) => [e.status, e.message])"
        )
    assert failure is not None and failure[0] == "refused", failure
    assert "occupées" in failure[1]
