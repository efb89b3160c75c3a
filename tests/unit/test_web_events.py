"""``/api/events``: the live feed, through a real uvicorn server on a loopback port
and a real websocket client — what a browser does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from starlette.applications import Starlette
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from agent_softphone.app import AppState, create_app
from guichet.bus import DEFAULT_MAX_QUEUED, InMemoryBus, Subscription
from guichet.events import (
    AgentCalled,
    CallAnswered,
    CallEnded,
    CallStarted,
    Event,
    QueueBoard,
    QueueView,
)
from guichet.store import Store, open_store
from tests.support.seeds import seed_rung_call
from tests.support.served import served_app
from tests.web.login import add_account, session_cookie

PASSWORD = "s3cret-generated"
CALL = "1795645004.0"


class WatchedBus(InMemoryBus):
    """Says when a subscription ends: the test waits on that, not on time."""

    def __init__(self) -> None:
        super().__init__()
        self.unsubscribed = asyncio.Event()

    @asynccontextmanager
    async def subscribe(
        self,
        *,
        snapshot: bool = False,
        types: tuple[type[Event], ...] | None = None,
        max_queued: int = DEFAULT_MAX_QUEUED,
    ) -> AsyncIterator[Subscription]:
        try:
            async with super().subscribe(
                snapshot=snapshot, types=types, max_queued=max_queued
            ) as events:
                yield events
        finally:
            self.unsubscribed.set()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    add_account(opened, "sophie", "supervisor", password=PASSWORD)
    add_account(opened, "marie", "agent", password=PASSWORD)
    try:
        yield opened
    finally:
        opened.close()


@asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[str]:
    """The app on a free loopback port (tests/support/served.py); its ws:// base URL."""
    async with served_app(app) as host:
        yield f"ws://{host}"


async def logged_in(base: str, user: str = "sophie") -> dict[str, str]:
    """The headers of a browser logged in as ``user`` (through POST /login)."""
    cookie = await session_cookie(base.replace("ws://", "http://"), user, PASSWORD)
    return {"Cookie": cookie}


async def receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return message


async def test_a_browser_gets_the_snapshot_then_the_changes_and_leaves(store: Store) -> None:
    bus = WatchedBus()
    bus.publish(CallStarted(call_id=CALL, caller="+33 6 •• •• •• 78"))
    bus.set_queue_source(
        lambda: QueueBoard(synced=True, queues=(QueueView("reception", logged_in=1),))
    )
    app = create_app(AppState(store, bus=bus))
    async with serve(app) as base:
        async with connect(f"{base}/api/events", additional_headers=await logged_in(base)) as ws:
            snapshot = await receive(ws)
            assert snapshot["type"] == "snapshot" and snapshot["queues_synced"] is True
            assert [c["call_id"] for c in snapshot["calls"]] == [CALL]
            assert snapshot["calls"][0]["caller"] == "+33 6 •• •• •• 78"
            assert snapshot["queues"][0]["queue"] == "reception"
            assert bus.subscribers == 1

            # subscribed once the snapshot is out: every later change follows it
            bus.publish(CallAnswered(call_id=CALL, case_id="case-1", language="fr"))
            change = await receive(ws)
            assert (change["type"], change["call_id"], change["language"]) == (
                "call.answered",
                CALL,
                "fr",
            )
            await ws.send("ignored")  # a browser may speak; nothing breaks
            bus.publish(CallStarted(call_id="second"))
            assert (await receive(ws))["call_id"] == "second"

        # the browser closed: its subscription is gone, the server still serves
        await asyncio.wait_for(bus.unsubscribed.wait(), 5)
        assert bus.subscribers == 0
        bus.unsubscribed.clear()
        async with connect(f"{base}/api/events", additional_headers=await logged_in(base)) as ws:
            again = await receive(ws)
            assert [c["call_id"] for c in again["calls"]] == [CALL, "second"]
        await asyncio.wait_for(bus.unsubscribed.wait(), 5)
        assert bus.subscribers == 0


async def test_the_feed_is_refused_without_a_session_or_from_another_site(store: Store) -> None:
    bus = WatchedBus()
    app = create_app(AppState(store, bus=bus))
    sockets = [r.path for r in iter_route_contexts(app.routes) if r.path == "/api/events"]
    assert sockets == ["/api/events"]
    async with serve(app) as base:
        for headers in ({}, {"Cookie": "guichet_session=forged"}):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"{base}/api/events", additional_headers=headers):
                    pass
            # refused at the handshake, before any websocket exists
            assert refused.value.response.status_code == 401
        # a page on another site cannot ride on the browser's cookie
        elsewhere = {**await logged_in(base), "Origin": "http://evil.example"}
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{base}/api/events", additional_headers=elsewhere):
                pass
        assert refused.value.response.status_code == 403
    assert bus.subscribers == 0 and not bus.unsubscribed.is_set()


async def test_an_agent_sees_only_the_calls_that_are_theirs(store: Store) -> None:
    bus = WatchedBus()
    bus.publish(CallStarted(call_id="other", caller="+33 6 •• •• •• 11"))
    bus.set_queue_source(
        lambda: QueueBoard(synced=True, queues=(QueueView("reception", logged_in=1),))
    )
    app = create_app(AppState(store, bus=bus))
    async with serve(app) as base:
        origin = {"Origin": base.replace("ws://", "http://")}  # the page's own origin
        async with connect(
            f"{base}/api/events", additional_headers={**await logged_in(base, "marie"), **origin}
        ) as ws:
            snapshot = await receive(ws)
            assert snapshot["type"] == "snapshot" and snapshot["calls"] == []
            assert snapshot["queues"][0]["queue"] == "reception"  # the board: everyone's
            bus.publish(CallAnswered(call_id="other", case_id="c0", language="fr"))
            bus.publish(CallStarted(call_id=CALL))
            bus.publish(AgentCalled(queue="reception", unique_id=CALL, member="PJSIP/marie"))
            rung = await receive(ws)  # the two events of the other calls were not sent
            assert (rung["type"], rung["unique_id"]) == ("queue.agent_called", CALL)
            bus.publish(CallEnded(call_id="other", reason="completed"))
            bus.publish(CallEnded(call_id=CALL, reason="completed"))
            ended = await receive(ws)
            assert (ended["type"], ended["call_id"]) == ("call.ended", CALL)


async def test_without_a_bus_the_feed_says_try_again_later(store: Store) -> None:
    app = create_app(AppState(store, {"asterisk": "running"}))
    async with (
        serve(app) as base,
        connect(f"{base}/api/events", additional_headers=await logged_in(base)) as ws,
    ):
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013


async def test_a_reloaded_page_gets_the_call_it_was_rung_for(store: Store) -> None:
    # the queue rang marie for CALL (D5's record; no answer yet)
    seed_rung_call(
        store, call_id=CALL, username="marie", call_state=None, case_id="case-1", answered=False
    )
    bus = WatchedBus()
    bus.publish(CallStarted(call_id=CALL))
    bus.publish(CallStarted(call_id="other"))
    app = create_app(AppState(store, bus=bus))
    async with (
        serve(app) as base,
        connect(f"{base}/api/events", additional_headers=await logged_in(base, "marie")) as ws,
    ):
        snapshot = await receive(ws)
        assert [c["call_id"] for c in snapshot["calls"]] == [CALL]
        bus.publish(CallAnswered(call_id="other", language="fr"))
        bus.publish(CallAnswered(call_id=CALL, language="fr"))
        assert (await receive(ws))["call_id"] == CALL
