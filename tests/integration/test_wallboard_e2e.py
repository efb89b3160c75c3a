"""The supervisor wallboard end to end, every part real: ``guichet up`` (Asterisk 22,
the controller with its voicebot and queue monitor, the web app), the wallboard in
Debian's headless Chromium, baresip callers speaking French with non-bot voices.

- a caller joining the reception queue is on the page within 1 s of the AMI event
  (the bus event's time, carried on the row, to the moment the row was drawn);
- an agent pausing through the desk API shows as paused, with the reason;
- night mode set from the page sends the next call to the voicebot, whose live
  transcript the page shows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from guichet.accounts import AccountRepository
from tests.integration.up import CALLER_NUMBER, Up, guichet_up
from tests.support.browser import browser_pages
from tests.support.speech import caller_audio
from tests.web.login import form_token

PASSWORD = "correct horse battery staple"
AGENT, SUPERVISOR = "alice", "sam"
QUESTION = "Bonjour, je voudrais une copie de mon acte de naissance, comment faire ?"
UI_MS = 30_000
# TEST ONLY: a queue member that rings for ever without answering, so that a caller
# routed to reception waits in the queue (and the route counts an agent as there)
HOLD_CONTEXT, HOLD_EXTEN = "wallboard-test", "hold"
HOLD_MEMBER = f"Local/{HOLD_EXTEN}@{HOLD_CONTEXT}/n"

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.asterisk, pytest.mark.slow]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def up(tmp_path_factory: pytest.TempPathFactory, demo_kb_index: Path) -> AsyncIterator[Up]:
    def add(accounts: AccountRepository) -> None:
        accounts.add(AGENT, "agent", password=PASSWORD, display_name="Alice Martin")
        accounts.add(SUPERVISOR, "supervisor", password=PASSWORD)

    home = tmp_path_factory.mktemp("wallboard-home")
    async with guichet_up(home, add, ready_s=180, kb_index=str(demo_kb_index)) as running:
        yield running


async def desk_state(up: Up, state: str, reason: str = "") -> None:
    """The agent's desk API, as its page calls it."""
    async with httpx.AsyncClient(base_url=up.base_url) as client:
        page = await client.get("/login")
        await client.post(
            "/login",
            data={"username": AGENT, "password": PASSWORD, "csrf": form_token(page.text)},
        )
        csrf = (await client.get("/api/me")).json()["csrf"]
        reply = await client.post(
            "/api/desk/state",
            json={"state": state, "reason": reason},
            headers={"X-CSRF-Token": csrf},
        )
        assert reply.status_code == 200, reply.text


async def stamped(page: Page, selector: str) -> tuple[float, float]:
    """The row's source event time and the time it was drawn (epoch seconds)."""
    handle = await page.wait_for_selector(selector, timeout=UI_MS)
    assert handle is not None
    at = float(await handle.get_attribute("data-at") or "nan")
    shown = float(await handle.get_attribute("data-shown") or "nan")
    return at, shown


async def test_the_wallboard_follows_the_queue_the_agents_and_the_calls(
    up: Up, tmp_path: Path
) -> None:
    question = caller_audio(
        tmp_path / "q.wav", (3.0, QUESTION), (10.0, QUESTION), (60.0, "."), voice="mb-fr4"
    )
    async with browser_pages(tmp_path) as open_page:
        board = await open_page(up.base_url, SUPERVISOR, PASSWORD)
        await board.goto(f"{up.base_url}/wallboard")
        await board.wait_for_selector('#conn[data-state="open"]', timeout=UI_MS)
        await board.wait_for_selector('#opening-now[data-mode="day"]', timeout=UI_MS)
        # the keyboard: the first Tab reaches the skip link, which leads to the queues
        await board.keyboard.press("Tab")
        assert await board.evaluate("document.activeElement.className") == "skip"
        await board.keyboard.press("Enter")
        assert await board.evaluate("document.activeElement.id") == "h-queues"
        # 200 % zoom: a 1280 px screen is 640 CSS px wide; nothing scrolls sideways
        await board.set_viewport_size({"width": 640, "height": 900})
        overflow = "document.documentElement.scrollWidth - window.innerWidth"
        assert await board.evaluate(overflow) <= 0

        # an agent pausing, through the desk API
        await desk_state(up, "available")
        await desk_state(up, "paused", "formation")
        row = '#agents tr[data-username="alice"][data-state="paused"]'
        await board.wait_for_selector(row, timeout=UI_MS)
        assert await board.inner_text(f"{row} td.reason") == "formation"

        # a caller joining the queue: on the page within 1 s of the AMI event
        await up.ami(
            {
                "Action": "DialplanExtensionAdd",
                "Context": HOLD_CONTEXT,
                "Extension": HOLD_EXTEN,
                "Priority": "1",
                "Application": "Wait",
                "ApplicationData": "300",
                "Replace": "yes",
            }
        )
        await up.ami({"Action": "QueueAdd", "Queue": "reception", "Interface": HOLD_MEMBER})
        async with up.caller(tmp_path / "queued", max_duration_s=60) as call:
            assert await call.wait_established(20), call.log
            at, shown = await stamped(board, '#queues tr[data-queue="reception"][data-waiting="1"]')
            latency = shown - at
            print(f"queue join -> wallboard: {latency * 1000:.0f} ms")
            assert 0 <= latency <= 1.0, latency
        # the caller hung up: no one waits, and the abandon counts today
        await board.wait_for_selector(
            '#queues tr[data-queue="reception"][data-waiting="0"]', timeout=UI_MS
        )
        assert await board.inner_text('#queues tr[data-queue="reception"] td.abandoned') == "1"

        # night mode from the page: the next call goes to the voicebot, not the queue
        # (whose member would still take it); its live transcript is on the page
        await board.check('#mode-form input[value="night"]')
        await board.click('#mode-form button[type="submit"]')
        await board.wait_for_selector('#opening-now[data-mode="night"]', timeout=UI_MS)
        assert await board.get_attribute("#opening-now", "data-target") == "voicebot"
        try:
            async with up.caller(tmp_path / "voicebot", question, max_duration_s=150) as call:
                assert await call.wait_established(20), call.log
                item = '#calls li[data-kind="voicebot"][data-state="voicebot"]'
                await board.wait_for_selector(item, timeout=UI_MS)
                caller_line = f'{item} .transcript li[data-speaker="caller"]'
                try:
                    await board.wait_for_selector(caller_line, timeout=120_000)
                except PlaywrightTimeout:
                    calls = await board.inner_html("#calls")
                    raise AssertionError(f"no caller line on the page: {calls}") from None
                heard = (await board.inner_text(caller_line)).lower()
                assert "naissance" in heard or "acte" in heard, heard
                await board.wait_for_selector(
                    f'{item} .transcript li[data-speaker="bot"]', timeout=90_000
                )
                assert await board.inner_text(f"{item} dd.caller")  # masked, present
                assert CALLER_NUMBER not in await board.inner_text(item)
            assert await board.inner_text('#queues tr[data-queue="reception"] td.waiting') == "0"
        finally:
            await up.ami({"Action": "QueueRemove", "Queue": "reception", "Interface": HOLD_MEMBER})
