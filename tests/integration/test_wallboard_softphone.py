"""The supervisor's softphone on the wallboard, all real: a supervisor account whose
WebRTC endpoint is rendered into Asterisk 22, the web app (uvicorn) relaying its SIP,
the wallboard in Debian's headless Chromium registering through it, the call side
(:class:`pbx.supervision.PbxSupervision`) in this process, and a baresip caller put
through the reception queue to a baresip agent phone (1001).

The supervisor clicks Listen on the agent's call: pbx/supervision rings the
supervisor's own endpoint and the page, which asked for it, answers by itself; the
supervision is on (``SupervisionChanged`` listen, ``supervision.sessions()``) and the
page's <audio> element plays the call. Stop ends it (``off``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_softphone.app import AppState
from guichet.accounts import AccountRepository
from guichet.bus import InMemoryBus
from guichet.events import AgentConnected, SupervisionChanged
from pbx.asterisk_process import load_secrets
from pbx.supervision import PbxSupervision
from tests.integration.call_side import BusWatch, call_side
from tests.integration.test_supervision import AGENT, agent_call, in_mode
from tests.integration.web_side import WebStack, serve_web, stack_with_accounts
from tests.support.audio import tone
from tests.support.browser import browser_pages

pytestmark = pytest.mark.asterisk

PASSWORD = "correct horse battery staple"
SUPERVISOR = "sam"  # a supervisor account: its own WebRTC endpoint PJSIP/sam
UI_MS = 20_000


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory, demo_kb_index: Path) -> Iterator[WebStack]:
    """The account first, then Asterisk renders its endpoint at its start."""

    def add(accounts: AccountRepository) -> None:
        accounts.add(SUPERVISOR, "supervisor", password=PASSWORD)

    home = tmp_path_factory.mktemp("wallboard-phone-home")
    with stack_with_accounts(home, add, kb_index=str(demo_kb_index)) as board:
        yield board


async def test_the_wallboard_answers_the_supervision_it_asked_for(
    board: WebStack, tmp_path: Path
) -> None:
    stack = board.stack
    stack.guichet("mode", "day")
    tone(500.0, 90.0, path=tmp_path / "caller.wav")
    tone(1100.0, 90.0, path=tmp_path / "agent.wav")
    mic = tmp_path / "supervisor-mic.wav"
    tone(1900.0, 30.0, 48000, amplitude=0.3, path=mic)
    passwords = load_secrets(stack.settings).sip_accounts
    bus = InMemoryBus()
    supervision = PbxSupervision.from_settings(stack.settings, bus)
    state = AppState(board.store, bus=bus, settings=stack.settings)
    state.supervision = supervision
    async with (
        call_side(stack, bus, supervision=supervision),
        bus.subscribe(types=(AgentConnected, SupervisionChanged)) as events,
        serve_web(board, state),
        browser_pages(tmp_path) as open_page,
    ):
        seen = BusWatch(events)
        page = await open_page(board.base_url, SUPERVISOR, PASSWORD, microphone=mic)
        await page.goto(f"{board.base_url}/wallboard")
        # the page registered the supervisor's own endpoint, through the app's relay
        await page.wait_for_selector('#conn-phone[data-state="registered"]', timeout=UI_MS)
        assert SUPERVISOR in stack.asterisk.cli("pjsip show contacts")
        stack.guichet("queues", "login", AGENT, "reception")
        async with agent_call(stack, tmp_path, passwords[AGENT], seen) as (_, _caller, call_id):
            # what the call row's Listen button does (a call put straight into the
            # queue, with no CallStarted on this bus, has no row on the board)
            await page.evaluate("(id) => window.guichetWallboard.supervise(id, 'listen')", call_id)
            # the ring was answered by the page: the supervision is on
            on = await seen.first(SupervisionChanged, in_mode("listen"), 20)
            assert (on.agent, on.supervisor) == (AGENT, SUPERVISOR)
            assert [(s.call_id, s.mode) for s in supervision.sessions()] == [(call_id, "listen")]
            await page.wait_for_selector("#supervision-stop:not([disabled])", timeout=UI_MS)
            # the call's audio reaches the page's <audio> element
            await page.wait_for_function(
                "() => (document.getElementById('supervision-audio').srcObject"
                "?.getAudioTracks().length ?? 0) > 0",
                timeout=UI_MS,
            )
            await page.click("#supervision-stop")
            await seen.first(SupervisionChanged, in_mode("off"), 20)
            await page.wait_for_selector("#supervision-stop[disabled]", timeout=UI_MS)
            assert supervision.sessions() == []
