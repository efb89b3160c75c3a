"""The desk's state panel in a real headless Chromium shows the newest state, whatever
order the news of it arrives in. A state reaches the page three ways (the answer to
its own request, the events feed, the presence socket); under load the feed's news of
"available" once came after the answer to the next request, "paused", and the panel
went back to "available" while the queues had the agent paused (CI, the desk
end-to-end test). Here the late news is published on the app's bus as the feed would
carry it, then a marker event: the page must never show "available" again.

The web app runs in uvicorn on a real store; the queues are a recording stand-in (the
real one, ``pbx.desk``, is driven against Asterisk by tests/integration/test_desk_e2e.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.async_api import Page

from agent_softphone.app import AppState, create_app
from guichet.bus import InMemoryBus
from guichet.events import DeskStateChanged, SupervisionChanged
from guichet.store import open_store
from tests.support.browser import browser_pages
from tests.support.desk_control import RecordingDesk
from tests.support.desk_page import set_state
from tests.support.served import served_app
from tests.web.login import add_account

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
UI_MS = 10_000

# every value #state-now takes, in order, from the moment it is installed
WATCH_STATES = """() => {
  window.statesShown = [];
  const now = document.getElementById("state-now");
  new MutationObserver(() => window.statesShown.push(now.dataset.state)).observe(
    now, { attributes: true, attributeFilter: ["data-state"] });
}"""


async def marker(page: Page, bus: InMemoryBus, mode: str) -> None:
    """An event after the ones just published, on the same feed: once the page shows
    it, it has read those before it."""
    bus.publish(SupervisionChanged(call_id="c-1", agent="alice", supervisor="sam", mode=mode))
    await page.wait_for_selector(
        f'#supervision-indicator[data-mode="{mode}"]:not([hidden])', timeout=UI_MS
    )


async def test_late_news_of_an_older_state_does_not_put_the_panel_back(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        add_account(store, "alice", "agent", password=PASSWORD)
        bus = InMemoryBus()
        desk = RecordingDesk()
        async with (
            served_app(create_app(AppState(store, bus=bus, desk=desk))) as host,
            browser_pages(tmp_path) as pages,
        ):
            base_url = f"http://{host}"
            alice = await pages(base_url, "alice", PASSWORD)
            refused: list[str] = []
            alice.on(
                "response",
                lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            await alice.goto(f"{base_url}/desk")
            await alice.wait_for_selector('#conn-server[data-state="open"]', timeout=UI_MS)
            await set_state(alice, "available", timeout_ms=UI_MS)
            # the page and all it asked for while loading got an answer: no 4xx/5xx
            # (the browser's own favicon request is no response event: the console
            # tells of it, from the login page on)
            assert refused == []
            console = getattr(alice, "console_lines", [])
            assert not [line for line in console if "Failed to load resource" in line], console
            # the agent picks "paused" and types why; the feed's echo of "available"
            # (the page's own request) arrives meanwhile: the choice stays
            await alice.check('#state-form input[value="paused"]')
            bus.publish(DeskStateChanged(username="alice", state="available", since=None))
            await marker(alice, bus, "listen")
            assert await alice.is_checked('#state-form input[value="paused"]')
            await alice.fill("#pause-reason", "formation")
            await alice.click('#state-form button[type="submit"]')
            await alice.wait_for_selector('#state-now[data-state="paused"]', timeout=UI_MS)
            await alice.evaluate(WATCH_STATES)
            assert [s for _, _, s, _ in desk.applied] == ["available", "paused"]

            # the feed's news of "available", from before the pause, arrives now
            bus.publish(
                DeskStateChanged(
                    username="alice",
                    state="available",
                    queues=("reception",),
                    since=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5),
                )
            )
            await marker(alice, bus, "whisper")
            assert await alice.get_attribute("#state-now", "data-state") == "paused"
            assert "available" not in await alice.evaluate("window.statesShown")

            # news that is newer than what the page shows still moves it
            bus.publish(
                DeskStateChanged(
                    username="alice",
                    state="logged_out",
                    reason="page closed",
                    since=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1),
                )
            )
            await alice.wait_for_selector('#state-now[data-state="logged_out"]', timeout=UI_MS)
    finally:
        store.close()
