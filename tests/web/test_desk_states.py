"""Desk states (agent_softphone.desk): applied to the queues, stored with their
times (SQLite and PostgreSQL), published; the wrap-up ends by itself or when asked;
a closed page logs its account out after the grace, a reload does not."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from agent_softphone.desk import DeskStates
from agent_softphone.desk.states import PAGE_CLOSED, DeskStateError, DeskUnavailable
from guichet.desk import DeskPolicy, DeskQueues
from guichet.events import DeskStateChanged
from guichet.store import Store
from tests.support.desk_control import Desk, next_state, open_desk

QUEUES = DeskQueues(
    reception="reception",
    services={
        "etat-civil": "etat-civil",
        "titres-identite": "etat-civil",
        "urbanisme": "urbanisme",
    },
)


@dataclass(frozen=True)
class Person:
    username: str
    role: str = "agent"
    services: frozenset[str] = field(default_factory=frozenset)


ALICE = Person("alice")
EXPERT = Person("ines", "expert", frozenset({"titres-identite", "urbanisme"}))


@pytest.fixture
async def desk(store: Store) -> AsyncIterator[Desk]:
    async with open_desk(store, DeskPolicy(QUEUES, wrapup_s=0.3, presence_grace_s=0.3)) as opened:
        yield opened


async def test_states_drive_the_queues_and_are_stored(desk: Desk) -> None:
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        await desk.states.set(ALICE, "available")
        await desk.states.set(ALICE, "paused", "déjeuner")
        await desk.states.set(EXPERT, "available")
        assert (await next_state(stream)).state == "available"
        paused = await next_state(stream)
        assert (paused.username, paused.state, paused.reason) == ("alice", "paused", "déjeuner")
    assert desk.control.applied == [
        ("alice", ("reception",), "available", ""),
        ("alice", ("reception",), "paused", "déjeuner"),
        # an expert: the queues of their services, each once
        ("ines", ("etat-civil", "urbanisme"), "available", ""),
    ]
    history = desk.repo.history("alice")
    assert [(v.state, v.reason) for v in history] == [("available", ""), ("paused", "déjeuner")]
    now = await desk.states.current("alice")
    assert now.state == "paused" and now.queues == ("reception",)
    durations = desk.repo.durations("alice")
    assert set(durations) == {"available", "paused"} and all(s >= 0 for s in durations.values())


async def test_a_wrapup_ends_by_itself(desk: Desk) -> None:
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        started = dt.datetime.now(dt.UTC)
        view = await desk.states.set(ALICE, "wrapup")
        assert view.until is not None and view.until > started
        assert (await next_state(stream)).state == "wrapup"
        back = await next_state(stream)  # the server's timer, not the page
        assert back.state == "available"
        assert (back.at - started).total_seconds() >= 0.3
    assert [v.state for v in desk.repo.history("alice")] == ["wrapup", "available"]


async def test_a_wrapup_ended_early_does_not_end_twice(desk: Desk) -> None:
    await desk.states.set(ALICE, "wrapup")
    await desk.states.set(ALICE, "available")  # "end now"
    await desk.states.set(ALICE, "paused", "réunion")
    # the cancelled timer would have set "available" after 0.3 s: wait past it on an
    # event that must not come (the wait is the assertion)
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(next_state(stream), 0.8)
    assert (await desk.states.current("alice")).state == "paused"


async def test_a_closed_page_logs_out_after_the_grace(desk: Desk) -> None:
    await desk.states.set(ALICE, "available")
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        desk.states.page_opened(ALICE)
        desk.states.page_closed(ALICE)
        out = await next_state(stream)
    assert (out.state, out.reason) == ("logged_out", PAGE_CLOSED)
    assert desk.control.applied[-1] == ("alice", ("reception",), "logged_out", PAGE_CLOSED)


async def test_a_reload_and_a_second_tab_keep_the_agent_in(desk: Desk) -> None:
    await desk.states.set(ALICE, "available")
    async with desk.bus.subscribe(types=(DeskStateChanged,)) as stream:
        desk.states.page_opened(ALICE)
        desk.states.page_opened(ALICE)  # a second tab
        desk.states.page_closed(ALICE)  # one closes: the other holds
        desk.states.page_closed(ALICE)  # the reload closes the last one…
        desk.states.page_opened(ALICE)  # …and comes back within the grace
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(next_state(stream), 1.0)
    assert (await desk.states.current("alice")).state == "available"
    assert desk.states.pages("alice") == 1


async def test_refusals_change_nothing(desk: Desk, store: Store) -> None:
    desk.control.refuse = True
    with pytest.raises(DeskStateError):
        await desk.states.set(ALICE, "available")
    assert desk.repo.history("alice") == []
    blind = DeskStates(store, None, None, DeskPolicy(QUEUES))
    with pytest.raises(DeskUnavailable):
        await blind.set(ALICE, "available")
    with pytest.raises(ValueError, match="unknown desk state"):
        await desk.states.set(ALICE, "dancing")
