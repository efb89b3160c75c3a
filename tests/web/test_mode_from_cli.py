"""A mode set with ``guichet mode`` (another process: the real command, run as a
subprocess on the same store) reaches an open wallboard over a real uvicorn server
and a real websocket, on SQLite and PostgreSQL: the web app's lifespan keeps the
opening control's watch on the stored mode, which publishes each change made
outside it once, named after its audit row. A change made on the wallboard is
published once, not again by the watch; a store that fails for a while does not
stop the watch. Asterisk is not running: the mirror is off, the command says so."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from websockets.asyncio.client import ClientConnection, connect

from agent_softphone.app import AppState, create_app
from guichet.bus import EventStream, InMemoryBus
from guichet.events import RoutingModeChanged
from guichet.opening import OpeningError
from guichet.privacy.audit import audit_trail
from guichet.settings import Settings
from guichet.store import Store
from ivr_flows.decision import Mode
from ivr_flows.loader import DEFAULT_FLOW, load_flow
from ivr_flows.mode import read_mode
from pbx.opening import PbxOpening
from tests.support.served import served_app
from tests.web.login import add_account
from tests.web.test_wallboard import PASSWORD, browser

PARIS = ZoneInfo("Europe/Paris")
MONDAY_10H = dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)  # open: auto routes to reception
WATCH_S = 0.2  # the watch's period here (default 1 s)
CLI_TIMEOUT_S = 60.0  # the command's start (imports) on a loaded 2-CPU machine
SEEN_TIMEOUT_S = 15.0  # from the command's exit to the board: ~a period, unloaded
GUICHET = Path(sys.executable).with_name("guichet")  # the venv's console script


@pytest.fixture
def store(store: Store) -> Store:
    add_account(store, "sophie", "supervisor", password=PASSWORD)
    return store


@asynccontextmanager
async def wallboard_app(store: Store) -> AsyncIterator[tuple[PbxOpening, InMemoryBus, str]]:
    """The web app as ``guichet up`` wires its opening control, served with its
    lifespan (which opens the watch): the control, its bus, the host."""
    settings = Settings(opening_watch_s=WATCH_S)
    bus = InMemoryBus()
    flow = load_flow(DEFAULT_FLOW)
    opening = PbxOpening(settings, store, flow, bus, mirror=False, clock=lambda: MONDAY_10H)
    app = create_app(AppState(store, bus=bus, settings=settings, opening=opening))
    async with served_app(app) as host:
        yield opening, bus, host


@asynccontextmanager
async def board(host: str) -> AsyncIterator[tuple[httpx.AsyncClient, ClientConnection]]:
    """sophie logged in, and her wallboard socket past its first opening line (auto,
    reception)."""
    async with browser(host, "sophie") as (client, cookie):
        url = f"ws://{host}/api/wallboard"
        async with connect(url, additional_headers={"Cookie": cookie}) as ws:
            first = await next_opening(ws, SEEN_TIMEOUT_S)
            assert (first["mode"], first["target"]) == ("auto", "reception_queue")
            yield client, ws


async def next_opening(ws: ClientConnection, timeout_s: float) -> dict[str, Any]:
    """The next opening line the board is sent on a change (or its first), skipping
    the other rows and the periodic refresh (every 30 s: not a change)."""
    async with asyncio.timeout(timeout_s):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == "opening" and message["event"] != "refresh":
                row: dict[str, Any] = message["row"]
                return {**row, "event": message["event"]}


async def next_change(events: EventStream, timeout_s: float) -> RoutingModeChanged:
    async with asyncio.timeout(timeout_s):
        event = await events.get()
    assert isinstance(event, RoutingModeChanged), event
    return event


async def guichet_mode(store_url: str, home: Path, *args: str) -> str:
    """``guichet mode …`` in a process of its own, on the test's store; its output."""
    # only what it needs: not the GUICHET_* settings this test run may carry
    path = os.environ.get("PATH", os.defpath)
    env = {"PATH": path, "LANG": "C.UTF-8", "GUICHET_DATABASE_URL": store_url}
    process = await asyncio.create_subprocess_exec(
        str(GUICHET),
        "--home",
        str(home),
        "mode",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(CLI_TIMEOUT_S):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_guichet_mode_reaches_an_open_wallboard_once(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    async with (
        wallboard_app(store) as (opening, bus, host),
        bus.subscribe(types=(RoutingModeChanged,)) as changes,
        board(host) as (_, ws),
    ):
        said = await guichet_mode(store_url, tmp_path, "night", "--by", "claire")
        exited = asyncio.get_running_loop().time()
        assert "mode night: stored (Asterisk not running)" in said
        assert "next call   voicebot (forced_night" in said

        shown = await next_opening(ws, SEEN_TIMEOUT_S)
        seen_s = asyncio.get_running_loop().time() - exited
        assert (shown["event"], shown["mode"], shown["target"]) == (
            "routing.mode_changed",
            "night",
            "voicebot",
        )
        night = await next_change(changes, 1)
        assert (night.mode, night.by) == ("night", "cli:claire")
        print(f"CLI change on the board {seen_s:.2f} s after the command exited")

        # once: a read of the store now finds nothing new to tell
        assert await opening.check_store() is None
        # the next change (same command, this account's name) comes next, no repeat
        said = await guichet_mode(store_url, tmp_path, "day")
        assert "mode day: stored (Asterisk not running)" in said
        shown = await next_opening(ws, SEEN_TIMEOUT_S)
        assert (shown["mode"], shown["target"]) == ("day", "reception_queue")
        day = await next_change(changes, 1)
        assert day.mode == "day" and day.by.startswith("cli")
        assert len(changes) == 0
    assert read_mode(store) is Mode.DAY
    assert [(r.actor, r.object) for r in audit_trail(store)][:2] == [
        (day.by, "mode:day"),
        ("cli:claire", "mode:night"),
    ]


async def test_a_change_on_the_wallboard_is_published_once(store: Store) -> None:
    async with (
        wallboard_app(store) as (opening, bus, host),
        bus.subscribe(types=(RoutingModeChanged,)) as changes,
        board(host) as (client, ws),
    ):
        reply = await client.post("/api/wallboard/mode", json={"mode": "night"})
        assert reply.status_code == 200, reply.text
        shown = await next_opening(ws, SEEN_TIMEOUT_S)
        assert (shown["event"], shown["mode"]) == ("routing.mode_changed", "night")
        night = await next_change(changes, 1)
        assert (night.mode, night.by) == ("night", "web:sophie")
        # the watch reads the store after the change: its own, nothing to tell
        assert await opening.check_store() is None
        reply = await client.post("/api/wallboard/mode", json={"mode": "auto"})
        assert reply.status_code == 200, reply.text
        shown = await next_opening(ws, SEEN_TIMEOUT_S)
        assert (shown["event"], shown["mode"]) == ("routing.mode_changed", "auto")
        auto = await next_change(changes, 1)
        assert (auto.mode, auto.by) == ("auto", "web:sophie")
        assert await opening.check_store() is None
        assert len(changes) == 0


class _WatchFailures(logging.Handler):
    """Set when the watch logs a failed read (it logs from the event loop's thread)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.failed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("routing mode watch:"):
            self.failed.set()


@pytest.fixture
def watch_failures() -> Iterator[_WatchFailures]:
    handler = _WatchFailures()
    logger = logging.getLogger("pbx.opening")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def rename_mode_table(store: Store, old: str, new: str) -> None:
    with store.session() as session:
        session.execute(sa.text(f"ALTER TABLE {old} RENAME TO {new}"))


async def test_the_watch_outlives_a_store_that_fails_for_a_while(
    store: Store, store_url: str, tmp_path: Path, watch_failures: _WatchFailures
) -> None:
    async with wallboard_app(store) as (opening, _, host), board(host) as (_, ws):
        # the table gone: every read fails, as with a store that is down
        await asyncio.to_thread(rename_mode_table, store, "routing_mode", "routing_mode_away")
        async with asyncio.timeout(SEEN_TIMEOUT_S):
            await watch_failures.failed.wait()
        with pytest.raises(OpeningError, match="cannot read the routing mode"):
            await opening.check_store()
        await asyncio.to_thread(rename_mode_table, store, "routing_mode_away", "routing_mode")

        await guichet_mode(store_url, tmp_path, "night", "--by", "claire")
        shown = await next_opening(ws, SEEN_TIMEOUT_S)
        assert (shown["event"], shown["mode"]) == ("routing.mode_changed", "night")
