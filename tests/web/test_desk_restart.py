"""A web restart (agent_softphone.desk): the accounts the store still has in the
queues get the closed page's grace at start. A page that reconnects within it keeps
its account in (nothing sent to the queues); one that never comes back, or a
disabled or deleted account, is logged out: row, DeskStateChanged, queues. On
SQLite and PostgreSQL; the queue side is the recording control (the AMI path is
test_desk_e2e's)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from agent_softphone.app import create_app
from agent_softphone.desk import DeskStateRepository
from agent_softphone.desk.states import NO_PAGE_AFTER_RESTART, RESTART_GRACE_FACTOR
from agent_softphone.state import AppState
from guichet.accounts import AccountRepository
from guichet.bus import InMemoryBus
from guichet.desk import DeskPolicy, DeskQueues
from guichet.events import DeskStateChanged, Event
from guichet.store import Store
from tests.support.desk_control import Desk, RecordingDesk, next_state, open_desk
from tests.web.login import add_account, log_in

PASSWORD = "correct horse battery staple"
GRACE_S = 0.3
WAIT_S = 10.0
QUEUES = DeskQueues(reception="reception", services={"etat-civil": "etat-civil"})
POLICY = DeskPolicy(QUEUES, wrapup_s=30.0, presence_grace_s=GRACE_S)
RECEPTION = ("reception",)


@dataclass(frozen=True)
class Person:
    username: str
    role: str = "agent"
    services: tuple[str, ...] = ()


@pytest.fixture
async def desk(store: Store) -> AsyncIterator[Desk]:
    for name in ("alice", "bob"):
        add_account(store, name, "agent", password=PASSWORD)
    async with open_desk(store, POLICY) as opened:
        yield opened


def before_restart(repo: DeskStateRepository, username: str, *states: str) -> None:
    """What the previous run of the web app stored, and left behind it."""
    for state in states:
        reason = "réunion" if state == "paused" else ""
        repo.record(username, state, reason, RECEPTION if state != "logged_out" else ())


async def test_no_page_after_a_restart_logs_out_after_the_grace(desk: Desk) -> None:
    before_restart(desk.repo, "alice", "available")
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        started = time.monotonic()
        await desk.states.start()
        assert desk.control.applied == []  # the grace first: its page may come back
        out = await next_state(stream)
        waited = time.monotonic() - started
    assert (out.username, out.state, out.reason, out.queues) == (
        "alice",
        "logged_out",
        NO_PAGE_AFTER_RESTART,
        RECEPTION,
    )
    assert waited >= GRACE_S * RESTART_GRACE_FACTOR  # longer than a closed page's
    assert desk.control.applied == [("alice", RECEPTION, "logged_out", NO_PAGE_AFTER_RESTART)]
    assert [v.state for v in desk.repo.history("alice")] == ["available", "logged_out"]
    now = await desk.states.current("alice")
    assert (now.state, now.reason) == ("logged_out", NO_PAGE_AFTER_RESTART)


async def test_a_page_back_within_the_grace_keeps_its_agent_in(desk: Desk) -> None:
    before_restart(desk.repo, "alice", "available")
    before_restart(desk.repo, "bob", "paused")  # bob's page does not come back
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        await desk.states.start()
        desk.states.page_opened(Person("alice"))  # alice's page reconnects by itself
        out = await next_state(stream)  # bob's grace, started with alice's, is over
        assert (out.username, out.state) == ("bob", "logged_out")
        with pytest.raises(TimeoutError):  # and nothing for alice past hers
            await next_state(stream, timeout=GRACE_S + 0.5)
    assert desk.control.applied == [("bob", RECEPTION, "logged_out", NO_PAGE_AFTER_RESTART)]
    assert [v.state for v in desk.repo.history("alice")] == ["available"]
    assert (await desk.states.current("alice")).state == "available"


async def test_an_account_already_logged_out_is_left_alone(desk: Desk) -> None:
    before_restart(desk.repo, "alice", "available", "logged_out")
    before_restart(desk.repo, "bob", "available")
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        await desk.states.start()
        out = await next_state(stream)
        assert out.username == "bob"
        with pytest.raises(TimeoutError):
            await next_state(stream, timeout=GRACE_S + 0.5)
    assert desk.control.applied == [("bob", RECEPTION, "logged_out", NO_PAGE_AFTER_RESTART)]
    assert [v.state for v in desk.repo.history("alice")] == ["available", "logged_out"]


async def test_disabled_and_deleted_accounts_leave_the_queues_they_were_in(
    desk: Desk, store: Store
) -> None:
    add_account(store, "ines", "expert", password=PASSWORD, services=["etat-civil"])
    AccountRepository(store).disable("ines")
    desk.repo.record("ines", "available", "", ("etat-civil",))
    # no account any more: it leaves the queues its state was stored with
    desk.repo.record("zoe", "wrapup", "", ("etat-civil", "reception"))
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        await desk.states.start()
        out = {e.username: e for e in [await next_state(stream), await next_state(stream)]}
    assert sorted(desk.control.applied) == [
        ("ines", ("etat-civil",), "logged_out", NO_PAGE_AFTER_RESTART),
        ("zoe", ("etat-civil", "reception"), "logged_out", NO_PAGE_AFTER_RESTART),
    ]
    assert {n: e.state for n, e in out.items()} == {"ines": "logged_out", "zoe": "logged_out"}
    assert (await desk.states.current("zoe")).state == "logged_out"


# --- through the app: its start (the lifespan), as `guichet up` serves it ----------------


class WatchedBus(InMemoryBus):
    """The bus, with what it published readable from the test's thread (the graces
    start with the app, before a subscriber in its loop could be in place)."""

    def __init__(self) -> None:
        super().__init__()
        self.states: list[DeskStateChanged] = []
        self._published = threading.Condition()

    def publish(self, event: Event) -> None:
        super().publish(event)
        if isinstance(event, DeskStateChanged):
            with self._published:
                self.states.append(event)
                self._published.notify_all()

    def wait_for(self, seen: Callable[[Sequence[DeskStateChanged]], bool]) -> None:
        with self._published:
            assert self._published.wait_for(lambda: seen(self.states), WAIT_S), self.states


@pytest.fixture
def people(store: Store) -> Iterator[Store]:
    for name in ("alice", "bob"):
        add_account(store, name, "agent", password=PASSWORD)
    yield store


def serve(store: Store, control: RecordingDesk, bus: InMemoryBus) -> TestClient:
    # a longer grace: the page must reconnect within it from the test's thread
    policy = DeskPolicy(QUEUES, wrapup_s=30.0, presence_grace_s=1.0)
    state = AppState(store, bus=bus, desk=control, desk_policy=policy)
    return TestClient(create_app(state), base_url="http://testserver")


def test_a_restarted_app_keeps_the_pages_that_come_back(people: Store) -> None:
    # the first run: alice and bob are available, then the app stops (no page open)
    cookies: dict[str, dict[str, str]] = {}
    with serve(people, RecordingDesk(), InMemoryBus()) as first:
        for name in ("alice", "bob"):
            csrf = log_in(first, name, PASSWORD)
            reply = first.post(
                "/api/desk/state", json={"state": "available"}, headers={"X-CSRF-Token": csrf}
            )
            assert reply.status_code == 200, reply.text
            cookies[name] = dict(first.cookies)  # each browser keeps its session
            first.cookies.clear()
    control, bus = RecordingDesk(), WatchedBus()
    with serve(people, control, bus) as second:
        second.cookies.update(cookies["alice"])  # alice's page reconnects by itself
        with second.websocket_connect(
            "/api/desk/presence", headers={"Origin": "http://testserver"}
        ) as page:
            assert page.receive_json()["state"] == "available"
            # bob's grace started with alice's, at the app's start: both are over
            bus.wait_for(lambda seen: any(e.username == "bob" for e in seen))
            assert second.get("/api/desk/state").json()["state"] == "available"
    # (alice's page closing at the end: its grace is cancelled with the app)
    assert [(e.username, e.state, e.reason) for e in bus.states] == [
        ("bob", "logged_out", NO_PAGE_AFTER_RESTART)
    ]
    assert control.applied == [("bob", RECEPTION, "logged_out", NO_PAGE_AFTER_RESTART)]
    repo = DeskStateRepository(people)
    assert (repo.current("alice").state, repo.current("bob").state) == ("available", "logged_out")
