"""The case end to end against the real Asterisk 22: a trunk caller in the reception
queue is answered by a desk member (a baresip auto-answer phone), the page's ring
carries the case (``CaseOffered``), the agent escalates through the web route
(``POST /api/cases/{id}/escalate``, the real :class:`pbx.desk.PbxDesk` over AMI),
the caller lands in the ``etat-civil`` queue and a second auto-answer phone (the
expert) gets the call with the case and its summary, the agent's leg ends, and the
caller hears the expert. Then what is stored: the case, ``case_agents``, the
wrap-up and its times.

Desk accounts' own endpoints are WebRTC (a browser's); the baresip phones register
as the SIP test accounts 1001 and 1002, and the queues reach them through a Local
channel named after the account (``Local/alice@…``), so the queue member is the
desk account ``alice`` while the phone that rings is 1001."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from agent_softphone.app import AppState, create_app
from agent_softphone.auth import CSRF_HEADER
from guichet.accounts import AccountRepository
from guichet.bus import InMemoryBus
from guichet.casefile.handling import CaseAgents, track_desk_cases
from guichet.casefile.records import DeskRole, Outcome, WrapUpAction
from guichet.casefile.repository import CaseRepository
from guichet.desk import DeskPolicy
from guichet.events import (
    AgentCalled,
    AgentCompleted,
    AgentConnected,
    CaseOffered,
    CaseWrappedUp,
)
from guichet.store import Store
from guichet.tasks import TaskOwner
from pbx.ami import AmiConfig, ami_session
from pbx.asterisk_process import load_secrets
from pbx.desk import PbxDesk, desk_queues
from pbx.desk.escalate import caller_channel as find_channel
from pbx.errors import AmiError
from pbx.queues import QueueEventRepository, QueueMonitor
from tests.integration.call_side import BusWatch, ami_action
from tests.integration.stack import Stack
from tests.support.audio import band_energy_ratio, read_wav, tone
from tests.support.recordings import recorded_more
from tests.support.sip_caller import AgentPhone, CallSession
from tests.web.login import form_token

pytestmark = pytest.mark.asterisk

PASSWORD = "desk test password"
RECEPTION, SERVICE = "reception", "etat-civil"
TEST_CONTEXT = "guichet-desk-test"  # TEST ONLY: added over AMI, not in extensions.conf
TEST_EXTEN = "3600"
MEMBERS = {"alice": ("1001", RECEPTION), "zoe": ("1002", SERVICE)}
CALLER_HZ, AGENT_HZ, EXPERT_HZ = 440.0, 1000.0, 1600.0
TALK_S = 3.0


async def add_dialplan(stack: Stack) -> None:
    """TEST ONLY: the trunk extension into the reception queue's dialplan, and one
    Local extension per desk account that rings its phone."""
    lines = [("from-trunk", TEST_EXTEN, "1", "Answer", "")]
    lines.append(("from-trunk", TEST_EXTEN, "2", "Goto", f"guichet-queue,{RECEPTION},1"))
    for account, (phone, _queue) in MEMBERS.items():
        lines.append((TEST_CONTEXT, account, "1", "Dial", f"PJSIP/{phone},30"))
    for context, exten, priority, app, data in lines:
        await ami_action(
            stack,
            {
                "Action": "DialplanExtensionAdd",
                "Context": context,
                "Extension": exten,
                "Priority": priority,
                "Application": app,
                "ApplicationData": data,
                "Replace": "yes",
            },
        )


def member(account: str) -> str:
    return f"Local/{account}@{TEST_CONTEXT}/n"


@pytest.fixture
async def desk(stack: Stack, store: Store) -> AsyncIterator[tuple[InMemoryBus, BusWatch]]:
    """The queue monitor and the desk tracker on one bus, as ``guichet up`` runs them."""
    bus = InMemoryBus()
    monitor = QueueMonitor(
        AmiConfig.from_settings(stack.settings), bus, QueueEventRepository(store), keepalive_s=2
    )
    owner = TaskOwner("test-desk")
    async with bus.subscribe() as events:
        owner.spawn(monitor.run(), "monitor")
        owner.spawn(
            track_desk_cases(bus, CaseAgents(store, RECEPTION), CaseRepository(store)), "tracker"
        )
        try:
            await asyncio.wait_for(monitor.synced.wait(), 15)
            yield bus, BusWatch(events)
        finally:
            for account, (_phone, queue) in MEMBERS.items():
                with contextlib.suppress(AmiError):
                    await ami_action(
                        stack,
                        {"Action": "QueueRemove", "Queue": queue, "Interface": member(account)},
                    )
            await owner.aclose()


async def log_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    token = form_token((await client.get("/login")).text)
    reply = await client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": token}
    )
    assert reply.status_code == 303, reply.text
    return {CSRF_HEADER: (await client.get("/api/me")).json()["csrf"]}


async def test_escalation_moves_the_caller_to_the_expert_with_the_case(
    stack: Stack, store: Store, desk: tuple[InMemoryBus, BusWatch], tmp_path: Path
) -> None:
    bus, feed = desk
    accounts = AccountRepository(store)
    accounts.add("alice", "agent", password=PASSWORD)
    accounts.add("zoe", "expert", services=(SERVICE,), password=PASSWORD)
    await add_dialplan(stack)
    secrets = load_secrets(stack.settings).sip_accounts
    mics = {}
    for name, hz in (("caller", CALLER_HZ), ("agent", AGENT_HZ), ("expert", EXPERT_HZ)):
        mics[name] = tmp_path / f"{name}.wav"
        tone(hz, 60, path=mics[name])
    target = f"{stack.sip_host}:{stack.sip_port}"

    state = AppState(
        store,
        bus=bus,
        settings=stack.settings,
        desk=PbxDesk(AmiConfig.from_settings(stack.settings)),
        desk_policy=DeskPolicy(desk_queues(stack.settings)),
    )
    web = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://testserver"
    )
    async with (
        web,
        AgentPhone(
            target,
            user="1001",
            password=secrets["1001"],
            workdir=tmp_path / "agent",
            audio_in=mics["agent"],
        ) as agent,
        AgentPhone(
            target,
            user="1002",
            password=secrets["1002"],
            workdir=tmp_path / "expert",
            audio_in=mics["expert"],
        ) as expert,
    ):
        await agent.wait_registered(10)
        await expert.wait_registered(10)
        for account, (phone, queue) in MEMBERS.items():
            await ami_action(
                stack,
                {
                    "Action": "QueueAdd",
                    "Queue": queue,
                    "Interface": member(account),
                    "StateInterface": f"PJSIP/{phone}",
                    "MemberName": account,
                },
            )
        csrf = await log_in(web, "alice")

        async with CallSession(
            stack.sip_target(TEST_EXTEN), workdir=tmp_path / "caller", audio_in=mics["caller"]
        ) as caller:
            # the ring: the case pops on alice's page (a call straight from the queue:
            # a new case, opened on the ring)
            offer = await feed.event(CaseOffered, lambda e: e.agent == "alice")
            call_id, case_id = offer.call_id, offer.case_id
            assert offer.role == "agent" and offer.queue == RECEPTION and case_id
            await feed.event(AgentConnected, lambda e: e.unique_id == call_id)
            assert await agent.wait_established(15), agent.log
            assert await caller.wait_established(15), caller.log
            assert (await web.get(f"/api/calls/{call_id}/case")).json()["case"]["id"] == case_id

            draft = (await web.get(f"/api/cases/{case_id}/summary-draft")).json()["text"]
            summary = draft + "\nAppelle pour un acte de naissance de son fils, né à Lyon."
            reply = await web.post(
                f"/api/cases/{case_id}/escalate",
                json={"service": SERVICE, "summary": summary, "code": "etat-civil"},
                headers=csrf,
            )
            assert reply.status_code == 200, reply.text
            wrapped = await feed.event(CaseWrappedUp, lambda e: e.case_id == case_id)
            assert wrapped.action == "escalated" and wrapped.target == SERVICE

            # the expert's ring carries the case and the summary the agent wrote
            ring = await feed.event(CaseOffered, lambda e: e.agent == "zoe")
            assert ring.case_id == case_id and ring.call_id == call_id
            assert ring.role == "expert" and ring.queue == SERVICE
            assert ring.summary == summary
            await feed.event(
                AgentConnected, lambda e: e.unique_id == call_id and e.queue == SERVICE
            )
            assert await expert.wait_established(15), expert.log
            await agent.wait_closed(10)  # the agent's leg ended
            carried = await ami_action(
                stack,
                {
                    "Action": "Getvar",
                    "Channel": await caller_channel(stack, call_id),
                    "Variable": "GUICHET_CASE",
                },
            )
            assert carried[0].get("Value") == case_id

            # the conversation with the expert: until the caller has heard TALK_S of it
            await recorded_more(caller, TALK_S, TALK_S + 20)
            caller.hangup()
            await caller.wait_closed(10)
        await feed.event(AgentCompleted, lambda e: e.unique_id == call_id and e.queue == SERVICE)
        await expert.wait_closed(10)
        # the tracker takes the bus's events in order: once it has offered a ring
        # published after the end, the end is in the store (a receipt, not a sleep)
        bus.publish(AgentCalled(queue=RECEPTION, unique_id="receipt", member="PJSIP/receipt"))
        await feed.event(CaseOffered, lambda e: e.call_id == "receipt")
    heard, rate = read_wav(caller.result().recording)  # type: ignore[arg-type]
    talk = heard[-int((TALK_S - 0.5) * rate) :]
    assert band_energy_ratio(talk, rate, EXPERT_HZ - 30, EXPERT_HZ + 30) > 0.6

    case_file = await CaseRepository(store).get_case(case_id)
    case = case_file.case
    assert case.outcome is Outcome.ESCALATED and case.service == SERVICE
    assert case.summary == summary
    desk_facts = case.desk
    assert desk_facts.handled_by == "alice" and desk_facts.first_level is False
    assert desk_facts.action is WrapUpAction.ESCALATED and desk_facts.escalated_to == SERVICE
    assert desk_facts.code == "etat-civil" and desk_facts.wrapped_up_by == "alice"
    assert desk_facts.handle_s is not None and desk_facts.handle_s > 0
    assert desk_facts.wrapup_s == 0.0  # wrapped up during the call
    rows = await CaseAgents(store, RECEPTION).for_call(call_id)
    assert [(r.username, r.role) for r in rows] == [
        ("alice", DeskRole.AGENT),
        ("zoe", DeskRole.EXPERT),
    ]
    assert all(r.answered_at is not None and r.ended_at is not None for r in rows)
    assert rows[0].ended_at is not None and rows[1].answered_at is not None
    assert rows[0].ended_at <= rows[1].answered_at  # the agent's leg ended first


async def caller_channel(stack: Stack, call_id: str) -> str:
    async with ami_session(AmiConfig.from_settings(stack.settings)) as ami:
        return await find_channel(ami, call_id)
