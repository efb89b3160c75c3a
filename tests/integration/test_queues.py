"""Queues against the real Asterisk 22: an agent's baresip registered as 1001 and
logged in over AMI, a trunk caller entering the reception queue, the monitor's
state, bus events and KPI rows, and the audio both ways."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from guichet.bus import EventStream, InMemoryBus
from guichet.events import (
    AgentCalled,
    AgentChanged,
    AgentCompleted,
    AgentConnected,
    QueueCallerAbandoned,
    QueueCallerJoined,
    QueueCallerLeft,
    QueueMemberAdded,
    QueueMemberChanged,
    QueueMemberRemoved,
    QueuesSynced,
    QueuesUnsynced,
)
from guichet.store import Store
from guichet.tasks import TaskOwner
from pbx.ami import AmiConfig, ami_session
from pbx.asterisk_process import load_secrets
from pbx.errors import AmiError, MemberNotFound, QueueNotFound
from pbx.queues import QueueEventRepository, QueueMonitor
from pbx.queues.cli import queues
from tests.integration.call_side import BusWatch
from tests.integration.stack import Stack
from tests.support.audio import band_energy_ratio, read_wav, tone
from tests.support.recordings import recorded_more
from tests.support.sip_caller import AgentPhone, CallSession

pytestmark = pytest.mark.asterisk

AGENT = "1001"
MEMBER = "PJSIP/1001"
QUEUE = "reception"
# TEST ONLY: an extension that puts a trunk caller straight into the queue. Added at
# run time over AMI (DialplanExtensionAdd), so it exists only in this test's Asterisk
# and the rendered dialplan (extensions.conf) is untouched.
TEST_EXTEN = "3100"
CALLER_HZ = 440.0
AGENT_HZ = 1000.0
TALK_S = 3.0


class Watch(BusWatch):
    """Bus events as they come, and the monitor's state: tests wait on these."""

    def __init__(self, monitor: QueueMonitor, bus: InMemoryBus, events: EventStream) -> None:
        super().__init__(events, timeout=15.0)
        self.monitor = monitor
        self.bus = bus

    def state(self) -> object:
        return self.monitor.state.summary(time.time())


def member_is(
    interface: str,
) -> Callable[[QueueMemberAdded | QueueMemberChanged | QueueMemberRemoved], bool]:
    def check(event: QueueMemberAdded | QueueMemberChanged | QueueMemberRemoved) -> bool:
        if isinstance(event, QueueMemberRemoved):
            return event.interface == interface
        return event.member.interface == interface

    return check


@pytest.fixture
async def watch(stack: Stack, store: Store) -> AsyncIterator[Watch]:
    bus = InMemoryBus()
    monitor = QueueMonitor(
        AmiConfig.from_settings(stack.settings), bus, QueueEventRepository(store), keepalive_s=2
    )
    owner = TaskOwner("test-queues")
    async with bus.subscribe() as events:
        owner.spawn(monitor.run(), "monitor")
        try:
            await asyncio.wait_for(monitor.synced.wait(), 15)
            yield Watch(monitor, bus, events)
        finally:
            # leave the queues empty for the next test
            async with ami_session(AmiConfig.from_settings(stack.settings)) as ami:
                for queue in monitor.state.queues.values():
                    for interface in list(queue.members):
                        with contextlib.suppress(AmiError):  # already gone
                            await ami.action(
                                {
                                    "Action": "QueueRemove",
                                    "Queue": queue.name,
                                    "Interface": interface,
                                }
                            )
            await owner.aclose()


def agent_phone(stack: Stack, workdir: Path, **kwargs: object) -> AgentPhone:
    password = load_secrets(stack.settings).sip_accounts[AGENT]
    return AgentPhone(
        f"{stack.sip_host}:{stack.sip_port}",
        user=AGENT,
        password=password,
        workdir=workdir,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_login_pause_and_availability(
    stack: Stack, watch: Watch, store: Store, tmp_path: Path
) -> None:
    monitor = watch.monitor
    control = monitor.control
    assert monitor.queue(QUEUE).members == {}
    assert not monitor.agents_available(QUEUE)
    assert {"reception", "etat-civil", "urbanisme", "social", "scolaire", "dechets"} <= set(
        monitor.state.queues
    )

    async with agent_phone(stack, tmp_path) as phone:
        await phone.wait_registered(10)
        await control.login(AGENT, QUEUE, name="Agent 1001")
        added = await watch.event(QueueMemberAdded, member_is(MEMBER))
        assert added.member.name == "Agent 1001"
        await watch.until(lambda: monitor.agents_available(QUEUE))
        await control.login(AGENT, QUEUE, name="Agent 1001")  # twice: no error

        await control.pause(AGENT, QUEUE, reason="accueil physique")
        await watch.event(QueueMemberChanged, lambda e: e.member.paused)
        member = monitor.queue(QUEUE).members[MEMBER]
        assert member.paused and member.paused_reason == "accueil physique"
        assert not monitor.agents_available(QUEUE)
        # the supervisor's view of the agent, told on the bus and in a snapshot
        paused = await watch.event(AgentChanged, lambda e: e.agent.state == "paused")
        assert paused.agent.paused_reason == "accueil physique"
        snapshot = watch.bus.snapshot()
        assert snapshot.queues_synced and snapshot.agents == (paused.agent,)

        await control.unpause(AGENT, QUEUE)
        await watch.until(lambda: monitor.agents_available(QUEUE))

        # a monitor that connects now learns all this from QueueStatus alone
        late = QueueMonitor(AmiConfig.from_settings(stack.settings), InMemoryBus())
        owner = TaskOwner("late")
        owner.spawn(late.run(), "late-monitor")
        try:
            await asyncio.wait_for(late.synced.wait(), 10)
            assert late.agents_available(QUEUE)
            assert late.queue(QUEUE).members[MEMBER].name == "Agent 1001"
        finally:
            await owner.aclose()

        with pytest.raises(QueueNotFound):
            await control.login(AGENT, "no-such-queue")
        with pytest.raises(MemberNotFound):
            await control.logout(AGENT, "urbanisme")
        with pytest.raises(QueueNotFound):
            monitor.agents_available("no-such-queue")

    # the phone unregistered (baresip stopped): logged in, but not reachable
    await watch.until(lambda: not monitor.agents_available(QUEUE))
    assert MEMBER in monitor.queue(QUEUE).members

    await control.logout(AGENT, QUEUE)
    await watch.event(QueueMemberRemoved, member_is(MEMBER))
    await watch.event(
        AgentChanged, lambda e: (e.agent.interface, e.agent.state) == (MEMBER, "logged_out")
    )
    assert watch.bus.snapshot().agents == ()
    assert monitor.queue(QUEUE).members == {}

    rows = await QueueEventRepository(store).recent(queue=QUEUE)
    kinds = [(r.kind, r.reason) for r in rows if r.member == MEMBER]
    assert kinds[-4:] == [
        ("QueueMemberAdded", None),
        ("QueueMemberPause", "paused: accueil physique"),
        ("QueueMemberPause", "unpaused"),
        ("QueueMemberRemoved", None),
    ]


async def test_caller_reaches_the_agent_through_the_queue(
    stack: Stack, watch: Watch, store: Store, tmp_path: Path
) -> None:
    monitor = watch.monitor
    await add_test_extension(stack)
    caller_mic = tmp_path / "caller.wav"
    agent_mic = tmp_path / "agent.wav"
    tone(CALLER_HZ, 60, path=caller_mic)
    tone(AGENT_HZ, 60, path=agent_mic)

    async with agent_phone(stack, tmp_path / "agent", audio_in=agent_mic) as phone:
        await phone.wait_registered(10)
        await monitor.control.login(AGENT, QUEUE, name="Agent 1001")
        await watch.until(lambda: monitor.agents_available(QUEUE))

        async with CallSession(
            stack.sip_target(TEST_EXTEN), workdir=tmp_path / "caller", audio_in=caller_mic
        ) as caller:
            joined = await watch.event(QueueCallerJoined, lambda e: e.queue == QUEUE)
            caller_id = joined.unique_id
            assert joined.caller.position == 1
            called = await watch.event(AgentCalled, lambda e: e.unique_id == caller_id)
            assert called.member == MEMBER
            connected = await watch.event(AgentConnected, lambda e: e.unique_id == caller_id)
            assert connected.member == MEMBER
            on_call = await watch.event(AgentChanged, lambda e: e.agent.current_call == caller_id)
            assert on_call.agent.state == "in_call"
            assert await phone.wait_established(10), phone.log
            assert await caller.wait_established(10), caller.log
            await watch.until(lambda: monitor.queue(QUEUE).members[MEMBER].in_call)
            assert monitor.queue(QUEUE).waiting() == []
            assert monitor.agents_available(QUEUE)  # busy, but callers may wait for it

            # the conversation the KPI must measure: until the caller has heard TALK_S
            # of the agent (its recorded RTP is the call's clock), not a sleep
            await recorded_more(caller, TALK_S, TALK_S + 20)
            caller.hangup()
            await caller.wait_closed(10)
        completed = await watch.event(AgentCompleted, lambda e: e.unique_id == caller_id)
        await phone.wait_closed(10)
        await watch.until(lambda: not monitor.queue(QUEUE).members[MEMBER].in_call)
    agent_heard = phone.result().recording
    caller_heard = caller.result().recording

    assert completed.reason == "caller" and completed.completed >= 1
    talk_s = completed.talk_s
    assert isinstance(talk_s, float) and TALK_S - 1 <= talk_s <= TALK_S + 3

    # KPIs: written before the bus event went out, no phone number anywhere
    rows = [
        r for r in await QueueEventRepository(store).recent(queue=QUEUE) if r.caller_id == caller_id
    ]
    assert [r.kind for r in rows] == [
        "QueueCallerJoin",
        "AgentConnect",
        "QueueCallerLeave",
        "AgentComplete",
    ] or [r.kind for r in rows] == [
        "QueueCallerJoin",
        "QueueCallerLeave",
        "AgentConnect",
        "AgentComplete",
    ]
    complete = rows[-1]
    assert complete.member == MEMBER and complete.reason == "caller"
    assert complete.talk_s == talk_s
    assert complete.wait_s is not None and 0 <= complete.wait_s < 10
    assert all(r.member in (None, MEMBER) for r in rows)

    # audio both ways: each side heard the other's tone
    assert agent_heard is not None and caller_heard is not None
    heard, rate = read_wav(agent_heard)
    assert band_energy_ratio(heard, rate, CALLER_HZ - 30, CALLER_HZ + 30) > 0.6
    heard, rate = read_wav(caller_heard)
    # the caller also heard music on hold before the agent answered: look at the end
    talk = heard[-int((TALK_S - 0.5) * rate) :]
    assert len(talk) and np.max(np.abs(talk)) > 0.05
    assert band_energy_ratio(talk, rate, AGENT_HZ - 30, AGENT_HZ + 30) > 0.6


async def add_test_extension(stack: Stack) -> None:
    # Queue() does not answer: without Answer() a waiting caller hears only ringing
    # (no early media), not the music and announcements
    async with ami_session(AmiConfig.from_settings(stack.settings)) as ami:
        for priority, app, data in (("1", "Answer", ""), ("2", "Queue", QUEUE)):
            await ami.action(
                {
                    "Action": "DialplanExtensionAdd",
                    "Context": "from-trunk",
                    "Extension": TEST_EXTEN,
                    "Priority": priority,
                    "Application": app,
                    "ApplicationData": data,
                    "Replace": "yes",
                }
            )


async def test_caller_waits_while_the_agent_is_paused(
    stack: Stack, watch: Watch, store: Store, tmp_path: Path
) -> None:
    """A paused agent does not make the queue empty (joinempty): the caller waits,
    with music, and hangs up: an abandon."""
    monitor = watch.monitor
    await add_test_extension(stack)
    async with agent_phone(stack, tmp_path / "agent") as phone:
        await phone.wait_registered(10)
        await monitor.control.login(AGENT, QUEUE, name="Agent 1001", paused=True, reason="pause")
        await watch.event(QueueMemberAdded, member_is(MEMBER))
        assert not monitor.agents_available(QUEUE)
        async with CallSession(stack.sip_target(TEST_EXTEN), workdir=tmp_path / "caller") as caller:
            joined = await watch.event(QueueCallerJoined, lambda e: e.queue == QUEUE)
            caller_id = joined.unique_id
            assert await caller.wait_established(10), caller.log
            assert [c.unique_id for c in monitor.queue(QUEUE).waiting()] == [caller_id]

            # a monitor connecting now gets the waiting caller from QueueStatus
            late = QueueMonitor(AmiConfig.from_settings(stack.settings), InMemoryBus())
            owner = TaskOwner("late")
            owner.spawn(late.run(), "late-monitor")
            try:
                await asyncio.wait_for(late.synced.wait(), 10)
                waiting = late.queue(QUEUE).waiting()
                assert [c.unique_id for c in waiting] == [caller_id]
                assert waiting[0].channel.startswith("PJSIP/trunk-")
                member = late.queue(QUEUE).members[MEMBER]
                assert member.paused and member.paused_reason == "pause"
            finally:
                await owner.aclose()
            caller.hangup()
            await caller.wait_closed(10)
        abandoned = await watch.event(QueueCallerAbandoned, lambda e: e.unique_id == caller_id)
        await watch.event(QueueCallerLeft, lambda e: e.unique_id == caller_id)
        assert not phone.established  # never rung: paused
    assert abandoned.original_position == 1 and abandoned.abandoned >= 1
    assert monitor.queue(QUEUE).waiting() == []
    assert monitor.queue(QUEUE).abandoned >= 1
    rows = [
        r.kind
        for r in await QueueEventRepository(store).recent(queue=QUEUE)
        if r.caller_id == caller_id
    ]
    assert sorted(rows) == ["QueueCallerAbandon", "QueueCallerJoin", "QueueCallerLeave"]


async def test_no_agent_reachable_refuses_the_caller(
    stack: Stack, watch: Watch, tmp_path: Path
) -> None:
    """Logged in but phone unregistered: the queue counts as empty (joinempty) and
    the caller is not let in to wait for nobody."""
    monitor = watch.monitor
    # TEST ONLY, like TEST_EXTEN: Queue() unanswered, then a SIP status that says why
    # it returned: 486 (cause 17) for JOINEMPTY, 603 (cause 21) for anything else
    async with ami_session(AmiConfig.from_settings(stack.settings)) as ami:
        for priority, app, data in (
            ("1", "Queue", QUEUE),
            ("2", "Hangup", '${IF($["${QUEUESTATUS}" = "JOINEMPTY"]?17:21)}'),
        ):
            await ami.action(
                {
                    "Action": "DialplanExtensionAdd",
                    "Context": "from-trunk",
                    "Extension": "3101",
                    "Priority": priority,
                    "Application": app,
                    "ApplicationData": data,
                    "Replace": "yes",
                }
            )
    await monitor.control.login(AGENT, QUEUE)
    await watch.event(QueueMemberAdded, member_is(MEMBER))
    assert not monitor.agents_available(QUEUE)
    async with CallSession(stack.sip_target("3101"), workdir=tmp_path / "caller") as caller:
        await caller.wait_closed(10)
    result = caller.result()
    assert not result.established and result.sip_status == 486, result.log
    assert monitor.queue(QUEUE).waiting() == []


async def test_monitor_resyncs_after_asterisk_restarts(stack: Stack, watch: Watch) -> None:
    monitor = watch.monitor
    await monitor.control.login("1002", "social")
    await watch.event(QueueMemberAdded, member_is("PJSIP/1002"))

    await asyncio.to_thread(stack.asterisk.stop)
    await watch.event(QueuesUnsynced)
    watch.seen.clear()  # the first connection's queue.synced is history
    assert not monitor.agents_available("social")
    assert not watch.bus.snapshot().queues_synced  # unknown, not stale
    await asyncio.to_thread(stack.asterisk.start)
    synced = await watch.event(QueuesSynced, timeout=30)

    # AMI takes logins before app_queue is loaded: a QueueStatus that early fails,
    # and the monitor simply reconnects, so there may be more than one retry
    assert monitor.connections >= 2
    # persistentmembers=no: a restarted Asterisk forgets who was logged in; the
    # monitor shows it as it is (logging agents back in is Guichet's job)
    assert monitor.queue("social").members == {}
    assert {q.queue for q in synced.queues} >= {"reception", "social"}
    assert synced.agents == ()


def test_queues_command_line(stack: Stack) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(queues, list(args), obj=stack.settings, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "PJSIP/1002 logged in to urbanisme" in run("login", "1002", "urbanisme", "--name", "Zoé")
    shown = run("show")
    assert "urbanisme" in shown and "PJSIP/1002 Zoé: unavailable" in shown
    run("pause", "1002", "--reason", "réunion")
    assert "paused (réunion)" in run("show")
    run("unpause", "1002", "urbanisme")
    assert "logged out of urbanisme" in run("logout", "1002")
    assert "PJSIP/1002" not in run("show")
