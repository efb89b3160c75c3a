"""Queue state from AMI event sequences. The events are recorded from Asterisk 22
(tests/integration/test_queues.py), trimmed of the caller-id and dialplan headers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from guichet.bus import InMemoryBus
from guichet.errors import ConfigError
from guichet.events import (
    AgentCalled,
    AgentChanged,
    AgentCompleted,
    AgentConnected,
    Event,
    QueueCallerAbandoned,
    QueueCallerJoined,
    QueueCallerLeft,
    QueueMemberAdded,
    QueueMemberChanged,
    QueueMemberRemoved,
    QueuesSynced,
)
from guichet.secrets_store import load_or_create_secrets
from guichet.settings import load_settings
from guichet.store import open_store
from pbx.ami import AmiActionFailed, AmiConfig, AmiEvent
from pbx.asterisk_config import RenderContext, render_all, sip_usernames
from pbx.errors import MemberNotFound, QueueNotFound
from pbx.queues import (
    AgentControl,
    Change,
    DeviceState,
    QueueEventRepository,
    QueueMonitor,
    QueueState,
    format_queues,
)

T0 = 1795645004.0
MEMBER = "PJSIP/1001"
CALLER = "1795645004.0"


def params(queue: str) -> AmiEvent:
    return {
        "Event": "QueueParams",
        "Queue": queue,
        "Max": "0",
        "Strategy": "rrmemory",
        "Calls": "0",
        "Holdtime": "0",
        "TalkTime": "0",
        "Completed": "0",
        "Abandoned": "0",
        "ServiceLevel": "0",
        "ServicelevelPerf": "0.0",
        "ServicelevelPerf2": "0.0",
        "Weight": "0",
    }


COMPLETE: AmiEvent = {"Event": "QueueStatusComplete", "EventList": "Complete", "ListItems": "2"}


def member_event(
    kind: str, ts: float, *, status: str = "1", paused: str = "0", **extra: str
) -> AmiEvent:
    event = {
        "Event": kind,
        "Timestamp": f"{ts:.6f}",
        "Queue": "reception",
        "MemberName": "Agent 1001",
        "Interface": MEMBER,
        "StateInterface": MEMBER,
        "Membership": "dynamic",
        "Penalty": "0",
        "CallsTaken": "0",
        "LastCall": "0",
        "LastPause": "0",
        "LoginTime": "1795645004",
        "InCall": "0",
        "Status": status,
        "Paused": paused,
        "PausedReason": "",
        "Ringinuse": "0",
        "Wrapuptime": "0",
    }
    event.update(extra)
    return event


# a call answered by the agent, in Asterisk 22's order (note: QueueCallerLeave comes
# before AgentConnect)
CALL: list[AmiEvent] = [
    member_event("QueueMemberAdded", T0 + 0.18),
    {
        "Event": "QueueCallerJoin",
        "Timestamp": "1795645004.221060",
        "Channel": "PJSIP/trunk-00000000",
        "Uniqueid": CALLER,
        "Queue": "reception",
        "Position": "1",
        "Count": "1",
    },
    {
        "Event": "AgentCalled",
        "Timestamp": "1795645004.221995",
        "Channel": "PJSIP/trunk-00000000",
        "Uniqueid": CALLER,
        "DestChannel": "PJSIP/1001-00000001",
        "DestUniqueid": "1795645004.1",
        "Queue": "reception",
        "Interface": MEMBER,
        "MemberName": "Agent 1001",
    },
    {
        "Event": "DeviceStateChange",
        "Timestamp": "1795645004.224530",
        "Device": MEMBER,
        "State": "RINGING",
    },
    member_event("QueueMemberStatus", T0 + 0.2246, status="6"),
    {
        "Event": "QueueCallerLeave",
        "Timestamp": "1795645004.228390",
        "Channel": "PJSIP/trunk-00000000",
        "Uniqueid": CALLER,
        "Queue": "reception",
        "Position": "1",
        "Count": "0",
    },
    {
        "Event": "AgentConnect",
        "Timestamp": "1795645004.228500",
        "Channel": "PJSIP/trunk-00000000",
        "Uniqueid": CALLER,
        "DestChannel": "PJSIP/1001-00000001",
        "DestUniqueid": "1795645004.1",
        "Queue": "reception",
        "Interface": MEMBER,
        "MemberName": "Agent 1001",
        "HoldTime": "0",
        "RingTime": "0",
    },
    {
        "Event": "DeviceStateChange",
        "Timestamp": "1795645004.2286",
        "Device": MEMBER,
        "State": "INUSE",
    },
    member_event("QueueMemberStatus", T0 + 0.2287, status="2", InCall="1"),
    {
        "Event": "AgentComplete",
        "Timestamp": "1795645007.301000",
        "Channel": "PJSIP/trunk-00000000",
        "Uniqueid": CALLER,
        "DestChannel": "PJSIP/1001-00000001",
        "Queue": "reception",
        "Interface": MEMBER,
        "MemberName": "Agent 1001",
        "HoldTime": "0",
        "TalkTime": "3",
        "Reason": "caller",
    },
    {
        "Event": "DeviceStateChange",
        "Timestamp": "1795645007.31",
        "Device": MEMBER,
        "State": "NOT_INUSE",
    },
    member_event("QueueMemberStatus", T0 + 3.32, status="1", CallsTaken="1", LastCall="1795645007"),
]


def synced_state(*queues: str) -> QueueState:
    state = QueueState()
    for queue in queues or ("reception", "social"):
        state.apply(params(queue), T0)
    changes = state.apply(COMPLETE, T0)
    assert types_of(changes) == [QueuesSynced]
    return state


def run(state: QueueState, events: list[AmiEvent], now: float = T0) -> list[Change]:
    changes: list[Change] = []
    for event in events:
        changes.extend(state.apply(event, now))
    return changes


def types_of(changes: list[Change], *, agents: bool = False) -> list[type[Event]]:
    """The event types of ``changes``; the agent-level ones only if asked."""
    return [type(c.event) for c in changes if agents or not isinstance(c.event, AgentChanged)]


def agent_states(changes: list[Change]) -> list[str]:
    return [c.event.agent.state for c in changes if isinstance(c.event, AgentChanged)]


def test_snapshot_builds_the_state() -> None:
    state = QueueState()
    assert not state.synced
    run(
        state,
        [
            params("reception"),
            {
                "Event": "QueueMember",
                "Queue": "reception",
                "Name": "Agent 1001",
                "Location": MEMBER,
                "StateInterface": MEMBER,
                "Membership": "dynamic",
                "Penalty": "0",
                "CallsTaken": "2",
                "LastCall": "1795645000",
                "LastPause": "1795645064",
                "LoginTime": "1795644000",
                "InCall": "0",
                "Status": "1",
                "Paused": "1",
                "PausedReason": "pause",
                "Wrapuptime": "0",
            },
            {
                "Event": "QueueEntry",
                "Queue": "reception",
                "Position": "1",
                "Channel": "PJSIP/trunk-00000002",
                "Uniqueid": "1795645068.2",
                "Wait": "42",
            },
            params("social"),
        ],
    )
    assert state.queues == {}  # nothing until the snapshot is complete
    state.apply(COMPLETE, T0)
    assert state.synced and set(state.queues) == {"reception", "social"}
    reception = state.queues["reception"]
    member = reception.members[MEMBER]
    assert (member.name, member.paused, member.paused_reason) == ("Agent 1001", True, "pause")
    assert member.device is DeviceState.NOT_INUSE and member.calls_taken == 2
    assert not member.available and member.reachable
    (caller,) = reception.waiting()
    assert caller.channel == "PJSIP/trunk-00000002" and caller.joined_at == T0 - 42
    assert reception.longest_wait_s(T0 + 8) == pytest.approx(50)


def test_a_new_snapshot_replaces_a_stale_state() -> None:
    state = synced_state()
    run(state, CALL[:2])
    assert state.queues["reception"].members and state.queues["reception"].callers
    state.resync_started()
    assert not state.synced
    run(state, [params("reception"), COMPLETE])
    assert state.queues["reception"].members == {}
    assert state.queues["reception"].callers == {}
    assert "social" not in state.queues


def test_events_after_the_snapshot_apply_on_top_of_it() -> None:
    """The receiver gets the snapshot in wire order with the events: an agent added
    just after the QueueStatus reply is kept."""
    state = QueueState()
    run(state, [params("reception"), COMPLETE, CALL[0]])
    assert MEMBER in state.queues["reception"].members


def test_a_completion_without_the_callers_fields_is_the_members_one_call() -> None:
    """Asterisk builds AgentComplete without the caller's fields when the caller's channel
    is already gone (a hang-up racing the agent's, seen under load): the call is the one
    the member was connected to, so the case and the KPI row still get their end."""
    state = synced_state()
    run(state, CALL[:9])
    complete = next(e for e in CALL[9:] if e["Event"] == "AgentComplete")
    bare = {k: v for k, v in complete.items() if k not in ("Channel", "Uniqueid")}
    (change, *_) = run(state, [bare])
    assert isinstance(change.event, AgentCompleted)
    assert change.event.unique_id == CALLER
    assert change.kpi is not None and change.kpi.caller_id == CALLER
    assert not state.queues["reception"].members[MEMBER].in_call


def test_a_call_answered_by_the_agent() -> None:
    state = synced_state()
    changes = run(state, CALL[:2])
    queue = state.queues["reception"]
    assert types_of(changes, agents=True) == [QueueMemberAdded, AgentChanged, QueueCallerJoined]
    assert agent_states(changes) == ["available"]
    assert queue.available == 1 and queue.waiting()[0].unique_id == CALLER
    joined = changes[2].event
    assert isinstance(joined, QueueCallerJoined)
    assert (joined.queue, joined.unique_id, joined.caller.position, joined.waiting) == (
        "reception",
        CALLER,
        1,
        1,
    )
    assert joined.caller.channel == "PJSIP/trunk-00000000"
    assert joined.at.timestamp() == pytest.approx(1795645004.22106, abs=1e-4)  # Asterisk's

    changes = run(state, CALL[2:5])
    assert types_of(changes) == [AgentCalled, QueueMemberChanged]
    assert agent_states(changes) == ["ringing"]
    assert queue.callers[CALLER].ringing == MEMBER
    assert queue.members[MEMBER].device is DeviceState.RINGING

    changes = run(state, CALL[5:9])
    assert types_of(changes)[:2] == [QueueCallerLeft, AgentConnected]
    assert agent_states(changes) == ["in_call"]
    (agent,) = state.agents()
    assert agent.current_call == CALLER
    assert agent.since == pytest.approx(T0 + 0.2285, abs=1e-4)
    assert queue.waiting() == [] and queue.members[MEMBER].in_call
    assert queue.members[MEMBER].available  # busy agents still take waiting callers
    connected = changes[1].event
    assert isinstance(connected, AgentConnected)
    assert (connected.unique_id, connected.member, connected.member_name) == (
        CALLER,
        MEMBER,
        "Agent 1001",
    )
    assert connected.agent_channel == "PJSIP/1001-00000001"
    connect = changes[1].kpi
    assert connect is not None and (connect.kind, connect.member, connect.wait_s) == (
        "AgentConnect",
        MEMBER,
        0.0,
    )

    changes = run(state, CALL[9:])
    complete = changes[0]
    assert isinstance(complete.event, AgentCompleted)
    assert (complete.event.reason, complete.event.talk_s, complete.event.completed) == (
        "caller",
        3.0,
        1,
    )
    # the call is over at once; the phone is free when its device state says so
    assert agent_states(changes) == ["in_call", "available"]
    agents = [c.event.agent for c in changes if isinstance(c.event, AgentChanged)]
    assert [a.current_call for a in agents] == [None, None]
    assert agents[1].since == pytest.approx(1795645007.31, abs=1e-4)
    assert complete.kpi is not None
    assert (complete.kpi.kind, complete.kpi.talk_s, complete.kpi.reason) == (
        "AgentComplete",
        3.0,
        "caller",
    )
    assert complete.kpi.caller_id == CALLER and complete.kpi.at == pytest.approx(T0 + 3.301)
    member = queue.members[MEMBER]
    assert not member.in_call and member.calls_taken == 1 and member.last_call == 1795645007
    assert queue.completed == 1

    # no phone number ever reaches a KPI row
    every = run(synced_state(), CALL)
    kinds = [c.kpi.kind for c in every if c.kpi is not None]
    assert kinds == [
        "QueueMemberAdded",
        "QueueCallerJoin",
        "QueueCallerLeave",
        "AgentConnect",
        "AgentComplete",
    ]


def test_in_call_survives_a_late_member_status() -> None:
    """Seen on Asterisk 22: the QueueMemberStatus for the agent's device going INUSE
    can come after AgentConnect and still say InCall=0."""
    state = synced_state()
    run(state, [*CALL[:7], member_event("QueueMemberStatus", T0 + 0.23, status="2")])
    assert state.queues["reception"].members[MEMBER].in_call
    run(state, CALL[9:])
    assert not state.queues["reception"].members[MEMBER].in_call


def test_pause_unpause_and_device_state_drive_availability() -> None:
    state = synced_state()
    run(state, CALL[:1])
    queue = state.queues["reception"]
    change, agent = state.apply(
        member_event("QueueMemberPause", T0 + 1, paused="1", PausedReason="accueil physique"), T0
    )
    assert isinstance(change.event, QueueMemberChanged)
    assert change.event.cause == "QueueMemberPause"
    assert change.event.member.paused and not change.event.member.available
    assert change.kpi is not None and change.kpi.reason == "paused: accueil physique"
    assert queue.available == 0 and queue.paused == 1
    assert isinstance(agent.event, AgentChanged)
    assert (agent.event.agent.state, agent.event.agent.paused_reason) == (
        "paused",
        "accueil physique",
    )
    assert agent.event.agent.since == T0 + 1 and agent.event.agent.queues == ("reception",)

    change, _ = state.apply(member_event("QueueMemberPause", T0 + 2), T0)
    assert change.kpi is not None and change.kpi.reason == "unpaused"
    assert queue.available == 1

    # the softphone unregisters: DeviceStateChange (by name), then QueueMemberStatus
    change, agent = state.apply(
        {"Event": "DeviceStateChange", "Device": MEMBER, "State": "UNAVAILABLE"}, T0
    )
    assert isinstance(change.event, QueueMemberChanged)
    assert change.event.member.device == "UNAVAILABLE"
    assert isinstance(agent.event, AgentChanged) and agent.event.agent.state == "unavailable"
    assert queue.available == 0 and queue.logged_in == 1
    # the same news again changes nothing: no bus noise
    assert state.apply(member_event("QueueMemberStatus", T0 + 3, status="5"), T0) == []
    # app_queue's own pseudo-devices are not members
    assert (
        state.apply(
            {"Event": "DeviceStateChange", "Device": "Queue:reception_avail", "State": "INUSE"}, T0
        )
        == []
    )

    change, agent = state.apply(member_event("QueueMemberRemoved", T0 + 4, status="5"), T0)
    assert isinstance(change.event, QueueMemberRemoved) and queue.members == {}
    assert change.event.interface == MEMBER
    assert isinstance(agent.event, AgentChanged) and agent.event.agent.state == "logged_out"
    assert state.agents() == ()


def test_an_agent_is_one_phone_across_its_queues() -> None:
    state = synced_state()
    run(
        state,
        [
            member_event("QueueMemberAdded", T0 + 1),
            member_event("QueueMemberAdded", T0 + 2, Queue="social"),
        ],
    )
    (agent,) = state.agents()
    assert (agent.state, agent.queues, agent.since) == (
        "available",
        ("reception", "social"),
        T0 + 1,
    )

    # paused in one queue, it still takes the other's callers
    pause = {"paused": "1", "PausedReason": "accueil physique"}
    changes = state.apply(member_event("QueueMemberPause", T0 + 3, **pause), T0)
    assert types_of(changes, agents=True) == [QueueMemberChanged]
    changes = state.apply(member_event("QueueMemberPause", T0 + 4, Queue="social", **pause), T0)
    (agent,) = [c.event.agent for c in changes if isinstance(c.event, AgentChanged)]
    assert (agent.state, agent.paused_reason, agent.since) == ("paused", "accueil physique", T0 + 4)

    changes = state.apply(member_event("QueueMemberRemoved", T0 + 5), T0)
    (agent,) = [c.event.agent for c in changes if isinstance(c.event, AgentChanged)]
    assert (agent.state, agent.queues, agent.since) == ("paused", ("social",), T0 + 4)
    changes = state.apply(member_event("QueueMemberRemoved", T0 + 6, Queue="social"), T0)
    (agent,) = [c.event.agent for c in changes if isinstance(c.event, AgentChanged)]
    assert (agent.interface, agent.state, agent.queues) == (MEMBER, "logged_out", ())
    assert state.agents() == ()


def test_a_resync_tells_every_agent_and_keeps_their_clocks() -> None:
    member = {
        "Event": "QueueMember",
        "Queue": "reception",
        "Name": "Agent 1001",
        "Location": MEMBER,
        "StateInterface": MEMBER,
        "LastPause": "1795644900",
        "LoginTime": "1795644000",
        "InCall": "0",
        "Status": "1",
        "Paused": "1",
        "PausedReason": "pause",
    }
    state = QueueState()
    (change,) = run(state, [params("reception"), member, COMPLETE], now=T0)
    assert isinstance(change.event, QueuesSynced)
    (agent,) = change.event.agents
    # first seen in a QueueStatus: paused since app_queue's LastPause
    assert (agent.name, agent.state, agent.paused_reason) == ("Agent 1001", "paused", "pause")
    assert agent.since == 1795644900
    assert change.event.queues[0].members[0].paused

    # unpaused live; then AMI reconnects: the clock runs from the unpause, not from
    # what QueueStatus could tell, nor from the resync
    run(state, [member_event("QueueMemberPause", T0 + 10)])
    assert state.agents()[0].since == T0 + 10
    state.resync_started()
    again = {**member, "Paused": "0", "PausedReason": ""}
    (change,) = run(state, [params("reception"), again, COMPLETE], now=T0 + 600)
    assert isinstance(change.event, QueuesSynced)
    assert (change.event.agents[0].state, change.event.agents[0].since) == ("available", T0 + 10)


def test_abandon_and_positions_of_the_callers_behind() -> None:
    state = synced_state()

    def join(uid: str, pos: int, ts: float) -> AmiEvent:
        return {
            "Event": "QueueCallerJoin",
            "Timestamp": str(ts),
            "Channel": f"PJSIP/trunk-{uid}",
            "Uniqueid": uid,
            "Queue": "reception",
            "Position": str(pos),
            "Count": str(pos),
        }

    run(state, [join("a", 1, T0), join("b", 2, T0 + 5), join("c", 3, T0 + 6)])
    queue = state.queues["reception"]
    assert queue.longest_wait_s(T0 + 10) == pytest.approx(10)
    changes = run(
        state,
        [
            {
                "Event": "QueueCallerAbandon",
                "Timestamp": str(T0 + 20),
                "Channel": "PJSIP/trunk-a",
                "Uniqueid": "a",
                "Queue": "reception",
                "Position": "1",
                "OriginalPosition": "1",
                "HoldTime": "20",
            },
            {
                "Event": "QueueCallerLeave",
                "Timestamp": str(T0 + 20),
                "Channel": "PJSIP/trunk-a",
                "Uniqueid": "a",
                "Queue": "reception",
                "Position": "1",
                "Count": "2",
            },
        ],
    )
    assert types_of(changes, agents=True) == [QueueCallerAbandoned, QueueCallerLeft]
    abandoned, left = changes[0].event, changes[1].event
    assert isinstance(abandoned, QueueCallerAbandoned) and isinstance(left, QueueCallerLeft)
    assert (abandoned.unique_id, abandoned.original_position, abandoned.abandoned) == ("a", 1, 1)
    assert (left.unique_id, left.wait_s, left.waiting) == ("a", 20.0, 2)
    assert changes[0].kpi is not None and changes[0].kpi.wait_s == 20.0
    assert changes[1].kpi is not None and changes[1].kpi.wait_s == 20.0
    assert [(c.unique_id, c.position) for c in queue.waiting()] == [("b", 1), ("c", 2)]
    assert queue.abandoned == 1
    assert queue.longest_wait_s(T0 + 25) == pytest.approx(20)


def test_ring_no_answer_ring_time_is_in_milliseconds() -> None:
    state = synced_state()
    run(state, CALL[:3])
    change, _agent = state.apply(
        {
            "Event": "AgentRingNoAnswer",
            "Timestamp": str(T0 + 15),
            "Uniqueid": CALLER,
            "Queue": "reception",
            "Interface": MEMBER,
            "MemberName": "Agent 1001",
            "RingTime": "15000",
        },
        T0,
    )
    assert change.kpi is not None and change.kpi.ring_s == 15.0
    assert state.queues["reception"].callers[CALLER].ringing is None


def test_format_queues() -> None:
    state = synced_state()
    run(state, CALL[:2])
    lines = format_queues(state, now=T0 + 65)
    assert " ".join(lines[0].split()) == (
        "reception agents 1 logged in, 1 available, 0 paused, 0 in call; "
        "callers waiting 1, longest 65 s"
    )
    assert "callers waiting 0" in lines[1]


class FakeAmi:
    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.sent: list[Mapping[str, str]] = []

    async def action(
        self, fields: Mapping[str, str], *, as_list: bool = False, in_order: bool = False
    ) -> list[AmiEvent]:
        self.sent.append(fields)
        if self.error:
            raise AmiActionFailed(fields["Action"], self.error)
        return [{"Response": "Success"}]


async def test_agent_control_sends_and_translates() -> None:
    ami = FakeAmi()
    await AgentControl(ami).login("1001", "reception", name="Zoé")
    assert ami.sent[-1] == {
        "Action": "QueueAdd",
        "Queue": "reception",
        "Interface": MEMBER,
        "StateInterface": MEMBER,
        "MemberName": "Zoé",
        "Paused": "false",
    }
    await AgentControl(ami).pause("PJSIP/1001", reason="pause")
    assert ami.sent[-1] == {
        "Action": "QueuePause",
        "Interface": MEMBER,
        "Paused": "true",
        "Reason": "pause",
    }
    # Asterisk 22's own words
    await AgentControl(FakeAmi("Unable to add interface: Already there")).login("1001", "reception")
    with pytest.raises(QueueNotFound):
        await AgentControl(FakeAmi("Unable to add interface to queue: No such queue")).login(
            "1001", "nope"
        )
    with pytest.raises(MemberNotFound):
        await AgentControl(FakeAmi("Unable to remove interface: Not there")).logout(
            "1001", "social"
        )
    with pytest.raises(MemberNotFound):
        await AgentControl(FakeAmi("Interface not found")).unpause("1001", "social")


class FailingRepo(QueueEventRepository):
    async def add(self, kpi: object) -> int:
        raise OSError("disk full")


async def test_monitor_stores_kpis_before_publishing(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    bus = InMemoryBus()
    config = AmiConfig("127.0.0.1", 1, "u", "s")
    monitor = QueueMonitor(config, bus, QueueEventRepository(store))
    repo = QueueEventRepository(store)
    async with bus.subscribe() as events:
        for event in [params("reception"), COMPLETE, *CALL]:
            await monitor._on_event(event)
        published = []
        while len(events):
            published.append(events.get_nowait())
    assert monitor.synced.is_set()
    assert isinstance(published[0], QueuesSynced)
    assert any(isinstance(e, AgentCompleted) for e in published)
    rows = await repo.recent(queue="reception")
    assert [r.kind for r in rows][-1] == "AgentComplete"
    assert rows[-1].talk_s == 3.0 and rows[-1].caller_id == CALLER

    # a store that fails does not stop the live view
    failing = QueueMonitor(config, bus, FailingRepo(store))
    for event in [params("reception"), COMPLETE, *CALL]:
        await failing._on_event(event)
    assert failing.kpi_failures == 5
    assert failing.state.queues["reception"].completed == 1
    store.close()


async def test_agents_available_is_false_until_connected_and_synced() -> None:
    monitor = QueueMonitor(AmiConfig("127.0.0.1", 1, "u", "s"), InMemoryBus())
    for event in [params("reception"), COMPLETE, CALL[0]]:
        await monitor._on_event(event)
    # synced from events, but no live connection: unknown, so False
    assert not monitor.agents_available("reception")


def test_a_malformed_event_is_ignored() -> None:
    state = synced_state()
    assert state.apply({"Event": "QueueCallerJoin", "Uniqueid": "x"}, T0) == []
    assert state.apply({"Event": "QueueMemberStatus"}, T0) == []
    assert state.apply({"Event": "Newchannel", "Channel": "PJSIP/trunk-1"}, T0) == []


def test_queues_conf_renders_every_queue(tmp_path: Path) -> None:
    def render(**overrides: object) -> str:
        settings = load_settings({}, {"home": str(tmp_path), **overrides})
        secrets = load_or_create_secrets(tmp_path, sip_usernames(settings))
        files = render_all(settings, secrets, RenderContext("/var/lib/guichet/x", "/mods"))
        return files["queues.conf"]

    text = render()
    sections = [line.strip("[]") for line in text.splitlines() if line.startswith("[")]
    assert sections == [
        "general",
        "reception",
        "etat-civil",
        "urbanisme",
        "social",
        "scolaire",
        "dechets",
    ]
    assert text.count("strategy = rrmemory") == 6 and text.count("ringinuse = no") == 7
    assert "persistentmembers = no" in text
    assert "joinempty = unavailable,invalid,unknown" in text
    assert "timeout = 20" in render(queue_ring_s=20)
    for bad in (["general"], ["Accueil"], ["a b"], ["x]"], ["reception", "reception"]):
        with pytest.raises(ConfigError):
            render(queues=bad)
