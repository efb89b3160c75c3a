"""Click-to-call from the expert's page, every part real: ``guichet up`` with the
outbound trunk pointing at the local "public network" (a baresip on another port,
the line of the callback's number), the expert's account with its own WebRTC
endpoint, the ``/experts`` page in headless Chromium (JsSIP). The expert clicks
"call" on the callback; their browser phone rings first and is picked up by the
page (the expert asked for that ring); then Asterisk dials the stored number on the
trunk, and the public line receives it as the dialled number. The page hangs up and
records "no answer": the next attempt is scheduled."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from guichet.accounts import AccountRepository
from guichet.settings import Settings, load_settings
from guichet.store import open_store
from guichet.store.models import Callback, CallbackAttempt
from tests.integration.stack import GUICHET, stack_env
from tests.integration.test_click_to_call import (
    CITY,
    DIALLED,
    STORED,
    PublicLine,
)
from tests.support.browser import browser_pages
from tests.support.processes import WatchedProcess
from tests.support.seeds import seed_callback
from tests.support.sip_caller import free_sip_port

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.asterisk, pytest.mark.slow]

PASSWORD = "expert page password"
EXPERT = "ines"
UI_MS = 30_000


@dataclass
class Up:
    settings: Settings
    callback_id: str
    line: PublicLine
    proc: WatchedProcess

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def up(tmp_path_factory: pytest.TempPathFactory, demo_kb_index: Path) -> AsyncIterator[Up]:
    """The public line first (its port goes into the trunk's settings), then
    ``guichet up`` on a data directory whose expert and callback exist already."""
    home = tmp_path_factory.mktemp("experts-home")
    port = free_sip_port("127.0.0.1")
    env = stack_env(
        home,
        kb_index=str(demo_kb_index),
        outbound_trunk_host="127.0.0.1",
        outbound_trunk_port=str(port),
        outbound_caller_id=CITY,
        # a free FastAGI port of its own rather than stack_env's shifted one
        agi_port=str(free_sip_port("127.0.0.1")),
    )
    settings = load_settings(env)
    store = open_store(settings.store_url)
    try:
        AccountRepository(store).add(EXPERT, "expert", password=PASSWORD, services=["etat-civil"])
        callback_id = seed_callback(store, "etat-civil", STORED)
    finally:
        store.close()
    async with PublicLine(DIALLED, port, workdir=home / "public") as line:
        proc = await WatchedProcess([GUICHET, "up"], env).start()
        try:
            await proc.wait_for_line(r"^ready$", timeout=180)
            yield Up(settings, callback_id, line, proc)
        finally:
            proc.send_signal(signal.SIGINT)
            await proc.wait(timeout=30)


async def test_the_expert_calls_back_from_the_page(up: Up, tmp_path: Path) -> None:
    async with browser_pages(tmp_path) as open_page:
        page = await open_page(up.base_url, EXPERT, PASSWORD)
        await page.goto(f"{up.base_url}/experts")
        await page.wait_for_selector('#conn-phone[data-state="registered"]', timeout=UI_MS)
        item = f'li.callback[data-id="{up.callback_id}"]'
        await page.wait_for_selector(item, timeout=UI_MS)
        await page.click(f"{item} button.call")
        # the page picked its own ring up, then the trunk reached the public line
        await page.wait_for_selector('#call-status[data-state="in_call"]', timeout=UI_MS)
        assert await up.line.wait_established(30), up.line.log
        assert up.line.invited == [DIALLED]
        await page.click("#hangup")
        await up.line.wait_closed(15)
        await page.click(f'{item} button[data-outcome="no_answer"]')
        await page.wait_for_function(
            "document.getElementById('result').textContent.includes('Prochaine tentative')",
            timeout=UI_MS,
        )
    store = open_store(up.settings.store_url)
    try:
        with store.session() as session:
            attempt = session.scalars(
                select(CallbackAttempt).where(CallbackAttempt.callback_id == up.callback_id)
            ).one()
            assert attempt.outcome == "no_answer" and attempt.username == EXPERT
            assert attempt.channel_id and attempt.next_due_by is not None
            callback = session.get(Callback, up.callback_id)
            assert callback is not None and callback.status == "pending"
    finally:
        store.close()
