"""The wallboard over a real uvicorn server and a real websocket client, on a real
store (SQLite and PostgreSQL): today's counts from the stored queue events, rows
as events arrive, supervisors only; the night switch and a closure from the page's
routes reach the FastAGI router's next decision, audited and announced."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from agent_softphone.app import AppState, create_app
from guichet.bus import InMemoryBus
from guichet.events import (
    AgentConnected,
    CallerView,
    DeskStateChanged,
    QueueBoard,
    QueueCallerJoined,
    QueueView,
)
from guichet.privacy.audit import audit_trail
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import QueueEvent
from ivr_flows.closures import TimedClosure, current_closures
from ivr_flows.decision import Mode
from ivr_flows.loader import DEFAULT_FLOW, load_flow
from ivr_flows.mode import read_mode
from pbx.fastagi import FastAgiServer
from pbx.opening import PbxOpening
from tests.pbx.test_fastagi import agi_call, free_port
from tests.support.served import served_app
from tests.web.login import add_account, form_token, log_in

PASSWORD = "wallboard pass 1"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def store(store: Store) -> Store:
    add_account(store, "sophie", "supervisor", password=PASSWORD)
    add_account(store, "marie", "agent", password=PASSWORD, display_name="Marie C.")
    return store


@asynccontextmanager
async def browser(host: str, user: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A logged-in client with its CSRF header set; the session's Cookie header."""
    async with httpx.AsyncClient(base_url=f"http://{host}") as client:
        page = await client.get("/login")
        reply = await client.post(
            "/login",
            data={"username": user, "password": PASSWORD, "csrf": form_token(page.text)},
        )
        assert reply.status_code == 303, reply.text
        client.headers["X-CSRF-Token"] = (await client.get("/api/me")).json()["csrf"]
        yield client, "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def receive(ws: Any, kind: str) -> dict[str, Any]:
    """The next message of type ``kind`` (others pass by)."""
    async with asyncio.timeout(5):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == kind:
                return message


def stored_event(store: Store, kind: str, caller: str, wait_s: float, at: dt.datetime) -> None:
    with store.session() as session:
        session.add(
            QueueEvent(at=at, queue="reception", kind=kind, caller_id=caller, wait_s=wait_s)
        )


async def test_the_board_opens_with_today_then_follows_the_events(store: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    yesterday = now - dt.timedelta(days=1, hours=1)
    stored_event(store, "AgentConnect", "old", 5.0, yesterday)  # not today's
    stored_event(store, "AgentConnect", "a1", 12.0, now)
    stored_event(store, "AgentConnect", "a2", 95.0, now)
    stored_event(store, "QueueCallerAbandon", "a3", 40.0, now)
    bus = InMemoryBus()
    bus.set_queue_source(
        lambda: QueueBoard(synced=True, queues=(QueueView("reception"),), agents=())
    )
    app = create_app(AppState(store, bus=bus, settings=Settings(service_level_s=30)))
    async with served_app(app) as host, browser(host, "sophie") as (_, cookie):
        url = f"ws://{host}/api/wallboard"
        async with connect(url, additional_headers={"Cookie": cookie}) as ws:
            board = await receive(ws, "wallboard")
            (queue,) = board["queues"]
            assert (queue["answered"], queue["answered_in_sl"], queue["abandoned"]) == (2, 1, 1)
            assert queue["service_level"] == pytest.approx(33.3)
            assert [(a["username"], a["name"], a["state"]) for a in board["agents"]] == [
                ("marie", "Marie C.", "logged_out")
            ]
            # a page opened late is right at once: the opening line comes with it
            assert (await receive(ws, "opening"))["row"] is None  # no control wired

            joined = time_now = dt.datetime.now(dt.UTC).timestamp()
            caller = CallerView("c9", "PJSIP/trunk-9", 1, joined_at=joined)
            bus.publish(QueueCallerJoined(queue="reception", caller=caller, waiting=1))
            row = (await receive(ws, "queue"))["row"]
            assert (row["waiting"], row["oldest_joined_at"]) == (1, time_now)

            bus.publish(DeskStateChanged(username="marie", state="paused", reason="pause café"))
            agent = (await receive(ws, "agent"))["row"]
            assert (agent["state"], agent["reason"]) == ("paused", "pause café")

            bus.publish(
                AgentConnected(queue="reception", unique_id="c9", member="PJSIP/marie", wait_s=4)
            )
            row = (await receive(ws, "queue"))["row"]
            assert (row["waiting"], row["answered"], row["answered_in_sl"]) == (0, 3, 2)


async def test_only_supervisors_and_admins_get_the_board(store: Store) -> None:
    app = create_app(AppState(store, bus=InMemoryBus()))
    async with served_app(app) as host, browser(host, "marie") as (client, cookie):
        assert (await client.get("/wallboard")).status_code == 403
        assert (await client.post("/api/wallboard/mode", json={"mode": "night"})).status_code == 403
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"ws://{host}/api/wallboard", additional_headers={"Cookie": cookie}):
                pass
        assert refused.value.response.status_code == 403
    assert read_mode(store) is Mode.AUTO


async def test_night_mode_and_a_closure_from_the_page_route_the_next_call(store: Store) -> None:
    flow = load_flow(DEFAULT_FLOW)
    monday_10h = dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
    bus = InMemoryBus()
    opening = PbxOpening(Settings(), store, flow, bus, mirror=False, clock=lambda: monday_10h)
    app = create_app(AppState(store, bus=bus, opening=opening))

    async def current_mode() -> Mode:
        return await asyncio.to_thread(read_mode, store)

    async def closures(now: dt.datetime) -> tuple[TimedClosure, ...]:
        return await asyncio.to_thread(current_closures, store, now)

    agi = FastAgiServer(flow, current_mode, clock=lambda: monday_10h, closures=closures)
    agi_port = free_port()
    ready = asyncio.Event()
    agi_task = asyncio.create_task(agi.serve("127.0.0.1", agi_port, ready))
    try:
        await asyncio.wait_for(ready.wait(), 5)
        assert (await agi_call(agi_port))["GUICHET_ROUTE"] == "queue"
        async with served_app(app) as host, browser(host, "sophie") as (client, cookie):
            url = f"ws://{host}/api/wallboard"
            async with connect(url, additional_headers={"Cookie": cookie}) as ws:
                first = (await receive(ws, "opening"))["row"]
                assert (first["mode"], first["target"]) == ("auto", "reception_queue")

                reply = await client.post("/api/wallboard/mode", json={"mode": "night"})
                assert reply.status_code == 200, reply.text
                assert reply.json()["target"] == "voicebot"
                pushed = await receive(ws, "opening")
                assert (pushed["event"], pushed["row"]["mode"]) == ("routing.mode_changed", "night")
                variables = await agi_call(agi_port)
                assert variables == {
                    "GUICHET_ROUTE": "closed",
                    "GUICHET_ROUTE_REASON": "forced_night",
                }

                await client.post("/api/wallboard/mode", json={"mode": "auto"})
                await receive(ws, "opening")
                # the page adds a closure for the real today; the routing's clock here is
                # Monday 30 November 10:00, so one for that morning goes through the control
                reply = await client.post(
                    "/api/wallboard/closures",
                    json={"reason": "Grève", "starts": "00:00", "ends": "23:59"},
                )
                assert reply.status_code == 201, reply.text
                added = reply.json()
                strike = await opening.add_closure(
                    "Grève", monday_10h, monday_10h + dt.timedelta(hours=2), by="web:sophie"
                )
                pushed = await receive(ws, "opening")
                assert pushed["event"] == "routing.closure_added"
                assert "Grève" in [c["reason"] for c in pushed["row"]["closures"]]
                variables = await agi_call(agi_port)
                assert variables == {"GUICHET_ROUTE": "closed", "GUICHET_ROUTE_REASON": "closure"}

                for closure_id in (added["id"], strike.id):
                    gone = await client.delete(f"/api/wallboard/closures/{closure_id}")
                    assert gone.status_code == 204
                assert (
                    await client.delete(f"/api/wallboard/closures/{strike.id}")
                ).status_code == 404
                assert (await agi_call(agi_port))["GUICHET_ROUTE"] == "queue"
    finally:
        agi_task.cancel()
    actions = [(r.actor, r.action) for r in audit_trail(store, limit=20)]
    assert ("web:sophie", "routing.mode") in actions
    assert ("web:sophie", "routing.closure_add") in actions
    assert ("web:sophie", "routing.closure_remove") in actions


def test_the_page_speaks_french_or_english_and_the_big_screen_has_no_controls(
    store: Store,
) -> None:
    client = TestClient(create_app(AppState(store)))
    log_in(client, "sophie", PASSWORD)
    french = client.get("/wallboard").text
    assert '<html lang="fr">' in french and "Files d'attente" in french
    assert 'id="mode-form"' in french and 'id="closure-form"' in french
    assert "moins de 30 s" in french  # the service level's definition, next to it
    english = client.get("/wallboard?lang=en").text
    assert '<html lang="en">' in english and "Queues" in english
    big = client.get("/wallboard?screen=big").text
    assert '<body class="big">' in big
    assert 'id="mode-form"' not in big and 'id="closure-form"' not in big
    script = client.get("/wallboard/assets/wallboard.js")
    assert script.status_code == 200 and "/api/wallboard" in script.text
    assert client.get("/wallboard/assets/..%2Fdesk%2Fdesk.js").status_code == 404
