"""The agent's discreet supervision indicator in a real headless Chromium: the desk
page of the agent supervised shows "Superviseur en écoute" (then the whisper, the
barge) as the ``SupervisionChanged`` events come on ``/api/events``, and hides it at
``off``; another agent's page never shows it. The web app runs in uvicorn on a real
store; the events are published on its bus as the call side would."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

from agent_softphone.app import AppState, create_app
from guichet.bus import InMemoryBus
from guichet.events import DeskStateChanged, SupervisionChanged
from guichet.store import open_store
from tests.support.browser import browser_pages
from tests.support.served import served_app
from tests.web.login import add_account

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
CALL_ID = "1795645009.9"
UI_MS = 10_000


async def open_desk(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/desk")
    await page.wait_for_selector('#conn-server[data-state="open"]', timeout=UI_MS)


async def test_the_agent_supervised_sees_the_indicator_and_no_one_else(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        add_account(store, "alice", "agent", password=PASSWORD)
        add_account(store, "bob", "agent", password=PASSWORD)
        bus = InMemoryBus()
        async with (
            served_app(create_app(AppState(store, bus=bus))) as host,
            browser_pages(tmp_path) as pages,
        ):
            base_url = f"http://{host}"
            alice = await pages(base_url, "alice", PASSWORD)
            bob = await pages(base_url, "bob", PASSWORD)
            await open_desk(alice, base_url)
            await open_desk(bob, base_url)
            shown = {
                "listen": "Superviseur en écoute",
                "whisper": "Superviseur : chuchotement",
                "barge": "Superviseur en ligne",
            }
            for mode, words in shown.items():
                bus.publish(
                    SupervisionChanged(
                        call_id=CALL_ID, agent="alice", supervisor="sylvie", mode=mode
                    )
                )
                await alice.wait_for_selector(
                    f'#supervision-indicator[data-mode="{mode}"]:not([hidden])', timeout=UI_MS
                )
                assert await alice.inner_text("#supervision-indicator") == words
            bus.publish(
                SupervisionChanged(call_id=CALL_ID, agent="alice", supervisor="sylvie", mode="off")
            )
            await alice.wait_for_selector("#supervision-indicator", state="hidden", timeout=UI_MS)
            # bob's page got none of it (the feed filter kept it from him): an event
            # for him, published after, is there; the indicator is not
            bus.publish(DeskStateChanged(username="bob", state="paused", reason="pause"))
            await bob.wait_for_selector('#state-now[data-state="paused"]', timeout=UI_MS)
            assert await bob.query_selector("#supervision-indicator") is None
    finally:
        store.close()
