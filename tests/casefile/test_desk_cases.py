"""The desk's part of the case file, on SQLite and PostgreSQL: who was rung for and
answered each queued call (``case_agents``, from the queue events on the bus), the
case pop on ring, the one-click wrap-ups with their times, and their idempotency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from guichet.bus import InMemoryBus
from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.errors import InvalidCaseUpdate, InvalidNumber
from guichet.casefile.handling import CaseAgents, track_desk_cases
from guichet.casefile.records import DeskRole, Outcome, WrapUpAction
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer
from guichet.casefile.wrapup import WrapUps
from guichet.events import AgentCalled, AgentCompleted, AgentConnected, CaseOffered, Event
from guichet.store import Store
from guichet.store.models import Call, Callback, SmsOutboxRow

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris


def add_call(store: Store, call_id: str, caller: str = "0612345678") -> None:
    with store.session() as s:
        s.add(Call(id=call_id, caller=caller, called="3000", state="transferring", state_data={}))


async def voicebot_case(store: Store, cases: CaseRepository, call_id: str) -> str:
    """A case as the voicebot leaves it: a question, a card tried, handed over."""
    add_call(store, call_id)
    case = await cases.open_case(call_id=call_id, caller_number="0612345678")
    await cases.add_turn(case.id, "caller", "Je voudrais un acte de naissance pour mon fils")
    await cases.add_proposal(case.id, "acte-naissance", 0.41, title="Acte de naissance")
    await cases.add_turn(case.id, "bot", "Je vous passe un agent.")
    return case.id


@pytest.fixture
def agents(store: Store) -> CaseAgents:
    return CaseAgents(store, reception_queue="reception")


@pytest.fixture
def wrapups(store: Store, cases: CaseRepository) -> WrapUps:
    book = CallbackBook(store, tz=ZoneInfo("Europe/Paris"))
    return WrapUps(store, cases, book, Summarizer())


async def test_rings_answers_and_ends_are_rows(
    store: Store, cases: CaseRepository, agents: CaseAgents
) -> None:
    case_id = await voicebot_case(store, cases, "chan-a")
    case, row = await agents.rung("chan-a", "alice", "reception", T0)
    assert case.id == case_id and row.role is DeskRole.AGENT
    await agents.rung("chan-a", "bob", "reception", T0 + timedelta(seconds=1))
    again, _ = await agents.rung("chan-a", "alice", "reception", T0 + timedelta(seconds=20))
    assert again.id == case_id
    answered = await agents.answered("chan-a", "alice", "reception", T0 + timedelta(seconds=22))
    assert answered.rung_at == T0  # the first ring's row, kept
    ended = await agents.ended("chan-a", "alice", T0 + timedelta(seconds=142))
    assert ended is not None and ended.ended_at == T0 + timedelta(seconds=142)
    assert await agents.ended("chan-a", "nobody", T0) is None

    rows = await agents.for_call("chan-a")
    assert [(r.username, r.answered_at is not None) for r in rows] == [
        ("alice", True),
        ("bob", False),
    ]
    desk = (await cases.get_case(case_id)).case.desk
    assert desk.handled_by == "alice"
    assert desk.answered_at == T0 + timedelta(seconds=22)
    assert desk.handle_s == 120.0
    assert desk.wrapup_s is None  # not wrapped up yet


async def test_a_call_straight_from_the_queue_gets_a_case(
    store: Store, cases: CaseRepository, agents: CaseAgents
) -> None:
    case, _ = await agents.rung("chan-direct", "alice", "reception", T0)
    assert case.call_id is None and case.outcome is Outcome.OPEN
    assert await agents.case_id_of("chan-direct") == case.id
    again, _ = await agents.rung("chan-direct", "bob", "reception", T0)
    assert again.id == case.id  # one case per call, found through its rows
    # an expert rung later for the same call is on the same case, as an expert
    _, expert = await agents.rung("chan-direct", "zoe", "etat-civil", T0 + timedelta(minutes=2))
    assert expert.role is DeskRole.EXPERT and expert.case_id == case.id


async def test_the_tracker_writes_rows_and_pops_the_case(
    store: Store, cases: CaseRepository, agents: CaseAgents
) -> None:
    case_id = await voicebot_case(store, cases, "chan-t")
    await cases.set_summary(case_id, "Objet : acte de naissance")
    bus = InMemoryBus()
    task = asyncio.create_task(track_desk_cases(bus, agents, cases))
    try:
        async with bus.subscribe(types=(CaseOffered,)) as offers:
            async with asyncio.timeout(10):
                while bus.subscribers < 2:  # the tracker has subscribed
                    await asyncio.sleep(0)
            bus.publish(AgentCalled(queue="reception", unique_id="chan-t", member="PJSIP/alice"))
            offer = await asyncio.wait_for(offers.get(), 10)
            bus.publish(AgentConnected(queue="reception", unique_id="chan-t", member="PJSIP/alice"))
            done: Event = AgentCompleted(
                queue="reception", unique_id="chan-t", member="PJSIP/alice", talk_s=3.0
            )
            bus.publish(done)
            # the tracker takes events in order: once a later ring is offered, the
            # answer and the end before it are in the store
            bus.publish(AgentCalled(queue="reception", unique_id="chan-t", member="PJSIP/bob"))
            later = await asyncio.wait_for(offers.get(), 10)
            assert isinstance(later, CaseOffered) and later.agent == "bob"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert isinstance(offer, CaseOffered)
    assert offer.case_id == case_id and offer.agent == "alice" and offer.role == "agent"
    assert offer.caller == "+336…78"  # masked, never the whole number
    assert offer.summary == "Objet : acte de naissance"
    assert offer.turns[0] == ("caller", "Je voudrais un acte de naissance pour mon fils")
    assert [c.card_id for c in offer.cards] == ["acte-naissance"]
    assert "0612345678" not in str(offer.to_json()) and "612345678" not in str(offer.to_json())
    alice, bob = await agents.for_call("chan-t")
    assert alice.answered_at is not None and alice.ended_at is not None
    assert bob.username == "bob" and bob.answered_at is None
    desk = (await cases.get_case(case_id)).case.desk
    assert desk.handled_by == "alice" and desk.handle_s is not None


async def test_first_level_wrap_up_with_times(
    store: Store, cases: CaseRepository, agents: CaseAgents, wrapups: WrapUps
) -> None:
    case_id = await voicebot_case(store, cases, "chan-f")
    await agents.rung("chan-f", "alice", "reception", T0)
    await agents.answered("chan-f", "alice", "reception", T0 + timedelta(seconds=5))
    await agents.ended("chan-f", "alice", T0 + timedelta(seconds=65))
    done = await wrapups.first_level(
        case_id, by="alice", role=DeskRole.AGENT, card_id="acte-naissance", code="info"
    )
    assert not done.repeated
    case = done.case
    assert case.outcome is Outcome.ANSWERED_BY_RECEPTION and case.closed_at is not None
    desk = case.desk
    assert desk.action is WrapUpAction.FIRST_LEVEL and desk.first_level is True
    assert desk.card_used == "acte-naissance" and desk.code == "info"
    assert desk.handle_s == 60.0
    assert desk.wrapup_s is not None and desk.wrapup_s >= 0
    assert desk.wrapped_up_by == "alice"
    again = await wrapups.first_level(
        case_id, by="alice", role=DeskRole.AGENT, card_id="acte-naissance", code="info"
    )
    assert again.repeated and again.case.desk.wrapped_up_at == desk.wrapped_up_at
    turns = (await cases.get_case(case_id)).turns
    assert [t.text for t in turns if t.speaker.value == "system"] == [
        "wrap-up: agent alice: first_level acte-naissance"
    ]
    with pytest.raises(InvalidCaseUpdate):
        await wrapups.first_level(
            case_id, by="alice", role=DeskRole.AGENT, card_id=None, code="x" * 65
        )


async def test_escalation_keeps_the_first_level_facts(
    store: Store, cases: CaseRepository, agents: CaseAgents, wrapups: WrapUps
) -> None:
    case_id = await voicebot_case(store, cases, "chan-e")
    await agents.rung("chan-e", "alice", "reception", T0)
    await agents.answered("chan-e", "alice", "reception", T0 + timedelta(seconds=3))
    draft = await wrapups.summary_draft(case_id)
    assert draft.source == "template" and "acte de naissance pour mon fils" in draft.text
    edited = draft.text + "\nMère au téléphone, né à Lyon."
    esc = await wrapups.escalated(
        case_id,
        by="alice",
        role=DeskRole.AGENT,
        service="etat-civil",
        summary=edited,
        code="expert",
    )
    assert esc.case.outcome is Outcome.ESCALATED and esc.case.closed_at is None
    assert esc.case.summary == edited and esc.case.service == "etat-civil"
    assert esc.case.desk.escalated_to == "etat-civil" and esc.case.desk.first_level is False
    assert esc.case.desk.wrapup_s == 0.0  # wrapped up during the call
    # the double click: nothing moves twice
    twice = await wrapups.escalated(
        case_id,
        by="alice",
        role=DeskRole.AGENT,
        service="etat-civil",
        summary=edited,
        code="expert",
    )
    assert twice.repeated
    # the agent's leg ends when the call moves: handle time, wrap-up time stays 0
    await agents.ended("chan-e", "alice", T0 + timedelta(seconds=93))
    # the expert answers it and wraps up
    await agents.rung("chan-e", "zoe", "etat-civil", T0 + timedelta(seconds=95))
    await agents.answered("chan-e", "zoe", "etat-civil", T0 + timedelta(seconds=99))
    final = await wrapups.first_level(
        case_id, by="zoe", role=DeskRole.EXPERT, card_id=None, code="resolu"
    )
    case = final.case
    assert case.outcome is Outcome.ANSWERED_BY_EXPERT and case.closed_at is not None
    desk = case.desk
    assert desk.handled_by == "alice" and desk.first_level is False
    assert desk.escalated_to == "etat-civil" and desk.wrapped_up_by == "alice"
    assert desk.handle_s == 90.0 and desk.action is WrapUpAction.FIRST_LEVEL
    roles = [(r.username, r.role) for r in await agents.for_case(case_id)]
    assert roles == [("alice", DeskRole.AGENT), ("zoe", DeskRole.EXPERT)]


async def test_callback_books_once_with_its_sms(
    store: Store, cases: CaseRepository, agents: CaseAgents, wrapups: WrapUps
) -> None:
    case_id = await voicebot_case(store, cases, "chan-c")
    await agents.rung("chan-c", "alice", "reception", T0)
    due = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(InvalidNumber):
        await wrapups.callback(
            case_id, by="alice", role=DeskRole.AGENT, number="0899123456", service=None, due=due
        )
    with pytest.raises(InvalidCaseUpdate):
        await wrapups.callback(
            case_id,
            by="alice",
            role=DeskRole.AGENT,
            number="06 12 34 56 78",
            service="etat-civil",
            due=datetime.now(UTC) - timedelta(hours=1),
        )
    clicks = [
        wrapups.callback(
            case_id,
            by="alice",
            role=DeskRole.AGENT,
            number="06 12 34 56 78",
            service="etat-civil",
            due=due,
            code="rappel",
        )
        for _ in range(2)
    ]
    first, second = await asyncio.gather(*clicks)  # a double click, both at once
    assert first.callback is not None and second.callback is not None
    assert first.callback.id == second.callback.id
    assert abs((first.callback.due_by - due).total_seconds()) < 1
    assert sorted([first.repeated, second.repeated]) == [False, True]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Callback)) == 1
        (sms,) = s.scalars(select(SmsOutboxRow)).all()
        assert sms.to_number == "+33612345678" and first.callback.reference in sms.body
    case = (await cases.get_case(case_id)).case
    assert case.outcome is Outcome.CALLBACK and case.desk.action is WrapUpAction.CALLBACK
    assert case.desk.code == "rappel" and case.desk.first_level is False


async def test_transferred(store: Store, cases: CaseRepository, wrapups: WrapUps) -> None:
    case_id = await voicebot_case(store, cases, "chan-x")
    done = await wrapups.transferred(
        case_id, by="alice", role=DeskRole.AGENT, to="urbanisme", code="mauvais service"
    )
    assert done.case.desk.transferred_to == "urbanisme"
    assert done.case.desk.action is WrapUpAction.TRANSFERRED
    with pytest.raises(InvalidCaseUpdate):
        await wrapups.transferred(case_id, by="alice", role=DeskRole.AGENT, to=" ")
