"""The call button's public API with a real aiortc peer on the visitor's side: an
offer is answered (and opens a ``web`` case), the limits refuse with a status and a
message a visitor can read, an unusable SDP is a 400, and only the configured
origins may place calls from another site. The voicebot behind it runs on the test
fakes (tests/voicebot/fakes.py); tests/integration/test_webcall.py runs the real one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from aiortc import RTCPeerConnection

from agent_softphone.app import create_app
from agent_softphone.state import AppState
from agent_softphone.webcall import WebCalls
from agent_softphone.webcall.limits import CallLimits
from guichet.casefile.records import Channel
from guichet.casefile.repository import CaseRepository
from guichet.settings import Settings
from guichet.store import open_store
from tests.voicebot.fakes import FakeAsr, FakeEngines, fake_knowledge
from voicebot import Frame, VoicebotConfig, VoicebotPipeline

SITE = "https://www.ville.example"


@dataclass
class Api:
    client: httpx.AsyncClient
    webcalls: WebCalls
    cases: CaseRepository


async def browser_offer() -> tuple[RTCPeerConnection, str]:
    """A visitor's offer: one audio transceiver, its candidates gathered."""
    pc = RTCPeerConnection()
    pc.addTransceiver("audio", direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


@pytest.fixture
async def api(store_url: str) -> AsyncIterator[Api]:
    settings = Settings(
        webcall_max_concurrent=2, webcall_per_ip_per_hour=3, web_chat_origins=[SITE]
    )
    store = open_store(store_url)
    engines = FakeEngines(FakeAsr([]))

    def make_pipeline(
        *, sample_rate: int, humans_available: bool, on_event: Callable[[Frame], None]
    ) -> VoicebotPipeline:
        return VoicebotPipeline.voicebot(
            engines,
            fake_knowledge(),
            VoicebotConfig(),
            sample_rate=sample_rate,
            humans_available=humans_available,
            on_event=on_event,
        )

    cases = CaseRepository(store)
    webcalls = WebCalls(settings=settings, cases=cases, make_pipeline=make_pipeline)
    app = create_app(AppState(store, settings=settings, webcalls=webcalls))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    try:
        yield Api(client, webcalls, cases)
    finally:
        await client.aclose()
        await webcalls.aclose()
        engines.close()
        store.close()


async def test_an_offer_is_answered_and_opens_a_web_case(api: Api) -> None:
    pc, sdp = await browser_offer()
    try:
        reply = await api.client.post("/api/webcall/offer", json={"sdp": sdp, "lang": "fr"})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["type"] == "answer" and "m=audio" in body["sdp"]
        call = api.webcalls.calls[body["id"]]
        case = (await api.cases.get_case(call.case_id)).case
        assert case.channel is Channel.WEB
        assert (await api.client.post(f"/api/webcall/{body['id']}/hangup")).status_code == 200
    finally:
        await pc.close()


async def test_limits_refuse_with_a_clear_status(api: Api) -> None:
    peers = []
    try:
        for _ in range(2):
            pc, sdp = await browser_offer()
            peers.append(pc)
            assert (await api.client.post("/api/webcall/offer", json={"sdp": sdp})).is_success
        # two calls at once is the setting: the third is told the lines are busy
        pc, sdp = await browser_offer()
        peers.append(pc)
        busy = await api.client.post("/api/webcall/offer", json={"sdp": sdp})
        assert busy.status_code == 503
        assert busy.json()["reason"] == "busy" and "occupées" in busy.json()["detail"]
        calls = list(api.webcalls.calls.values())
        for call in calls:
            assert api.webcalls.hang_up(call.call_id)
        for call in calls:
            await asyncio.wait_for(call.finished.wait(), 10)
        # lines are free again once the calls ended; the address has had its 3 calls
        more = await api.client.post("/api/webcall/offer", json={"sdp": sdp})
        assert more.status_code == 200, more.text
        rated = await api.client.post("/api/webcall/offer", json={"sdp": sdp})
        assert rated.status_code == 429 and rated.json()["reason"] == "rate"
    finally:
        for pc in peers:
            await pc.close()


async def test_an_unusable_offer_is_a_400(api: Api) -> None:
    reply = await api.client.post("/api/webcall/offer", json={"sdp": "v=0\r\nnonsense"})
    assert reply.status_code == 400
    assert api.webcalls.limits.active == 0  # its place was given back


async def test_only_the_configured_origins_may_place_calls(api: Api) -> None:
    pc, sdp = await browser_offer()
    try:
        other = await api.client.post(
            "/api/webcall/offer", json={"sdp": sdp}, headers={"Origin": "https://evil.example"}
        )
        assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
        listed = await api.client.post(
            "/api/webcall/offer", json={"sdp": sdp}, headers={"Origin": SITE}
        )
        assert listed.status_code == 200
        assert listed.headers["access-control-allow-origin"] == SITE
        preflight = await api.client.options(
            "/api/webcall/offer", headers={"Origin": SITE, "Access-Control-Request-Method": "POST"}
        )
        assert preflight.headers["access-control-allow-origin"] == SITE
    finally:
        await pc.close()


def test_the_per_ip_window_slides() -> None:
    now = [0.0]
    limits = CallLimits(max_concurrent=10, per_ip_per_hour=2, clock=lambda: now[0])
    assert limits.admit("1.2.3.4") is None and limits.admit("1.2.3.4") is None
    assert limits.admit("1.2.3.4") == "rate"
    assert limits.admit("5.6.7.8") is None  # another visitor is not affected
    now[0] = 3601.0
    assert limits.admit("1.2.3.4") is None  # an hour later
