"""The AMI socket against a small fake AMI server: panoramisk's habits switched off
(no hang on QueueAdd, no replay after a loss), reconnect with backoff and resync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from guichet.bus import InMemoryBus
from guichet.events import QueuesSynced, QueuesUnsynced
from guichet.tasks import TaskOwner
from pbx.ami import AmiConnection, ami_session
from pbx.errors import AmiError, AmiUnavailable
from pbx.queues import QueueMonitor
from tests.support.fake_ami import FakeAmi, running_fake_ami


@pytest.fixture
async def fake_ami() -> AsyncIterator[FakeAmi]:
    async with running_fake_ami() as fake:
        yield fake


async def test_actions_answer_and_queue_add_does_not_hang(fake_ami: FakeAmi) -> None:
    connection = AmiConnection(fake_ami.config(), events=False)
    await connection.open()
    try:
        (reply,) = await connection.action(
            {"Action": "QueueAdd", "Queue": "reception", "Interface": "PJSIP/1001"}
        )
        assert reply["Message"] == "Added interface to queue"
        listing = await connection.action({"Action": "QueueStatus"}, as_list=True)
        assert [m.get("Event") for m in listing] == [None, "QueueParams", "QueueStatusComplete"]
        with pytest.raises(AmiError, match="Invalid/unknown"):
            await connection.action({"Action": "Nope"})
        with pytest.raises(AmiError, match="unanswered"):
            await connection.action({"Action": "Hold"})
    finally:
        connection.close()


async def test_astdb_entries_over_ami(fake_ami: FakeAmi) -> None:
    """DBPut/DBGet, the "system" class: what the day/night mode of an external Asterisk
    needs, with no "command" right on the account."""
    async with ami_session(fake_ami.config()) as ami:
        assert await ami.db_get("guichet", "mode") is None  # a lone error: not found
        await ami.db_put("guichet", "mode", "night")
        assert await ami.db_get("guichet", "mode") == "night"  # a list: ack, value, end
        await ami.db_put("guichet", "mode", "day")
        assert await ami.db_get("guichet", "mode") == "day"
    assert fake_ami.astdb == {("guichet", "mode"): "day"}
    assert "Command" not in fake_ami.actions


async def test_a_lost_connection_fails_pending_actions_instead_of_replaying_them(
    fake_ami: FakeAmi,
) -> None:
    connection = AmiConnection(fake_ami.config(), events=False)
    await connection.open()
    try:
        pending = asyncio.create_task(connection.action({"Action": "Hold"}))
        await asyncio.wait_for(fake_ami.held.wait(), 2)  # sent before the cut
        fake_ami.drop()
        with pytest.raises(AmiUnavailable):
            await pending
        with pytest.raises(AmiUnavailable):
            await connection.next_event()
        with pytest.raises(AmiUnavailable):
            await connection.action({"Action": "Ping"})
    finally:
        connection.close()
    assert fake_ami.logins == 1  # panoramisk did not reconnect on its own


async def test_wrong_secret_is_refused(fake_ami: FakeAmi) -> None:
    connection = AmiConnection(fake_ami.config(secret="wrong"))
    with pytest.raises(AmiUnavailable, match="refused"):
        await connection.open()
    connection.close()


async def test_monitor_reconnects_and_resyncs(fake_ami: FakeAmi) -> None:
    bus = InMemoryBus()
    monitor = QueueMonitor(fake_ami.config(), bus, initial_backoff_s=0.01, keepalive_s=60)
    owner = TaskOwner("test")
    async with bus.subscribe(types=(QueuesSynced, QueuesUnsynced)) as events:
        owner.spawn(monitor.run(), "monitor")
        try:
            synced = await asyncio.wait_for(events.get(), 5)
            assert isinstance(synced, QueuesSynced)
            assert [q.queue for q in synced.queues] == ["reception"]
            assert monitor.queue("reception").members == {}
            # the running monitor is the bus's queue source: a late subscriber sees it
            snapshot = bus.snapshot()
            assert snapshot.queues_synced and snapshot.queues == synced.queues

            fake_ami.drop()
            assert isinstance(await asyncio.wait_for(events.get(), 5), QueuesUnsynced)
            assert not monitor.synced.is_set()
            # unknown while disconnected: shown as such, not as the stale state
            assert not bus.snapshot().queues_synced and bus.snapshot().queues == ()

            assert isinstance(await asyncio.wait_for(events.get(), 5), QueuesSynced)
            assert monitor.connections == 2 and fake_ami.logins == 2
            assert fake_ami.actions.count("QueueStatus") == 2
        finally:
            await owner.aclose()
    # a stopped monitor no longer answers for the queues
    assert not bus.snapshot().queues_synced
