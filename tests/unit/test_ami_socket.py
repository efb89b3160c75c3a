"""The AMI socket against a small fake AMI server: panoramisk's habits switched off
(no hang on QueueAdd, no replay after a loss), reconnect with backoff and resync."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from guichet.bus import InMemoryBus
from guichet.events import QueuesSynced, QueuesUnsynced
from guichet.tasks import TaskOwner
from pbx.ami import AmiConfig, AmiConnection, ami_session
from pbx.errors import AmiError, AmiUnavailable
from pbx.queues import QueueMonitor

EOL = "\r\n"


class FakeAmi:
    """Speaks just enough AMI: Login, Ping, QueueStatus (one empty queue), QueueAdd;
    ``Hold`` is never answered; ``drop()`` cuts every connection."""

    def __init__(self, secret: str = "s") -> None:
        self.secret = secret
        self.logins = 0
        self.actions: list[str] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.held = asyncio.Event()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    def config(self, secret: str | None = None) -> AmiConfig:
        return AmiConfig("127.0.0.1", self.port, "u", secret or self.secret, action_timeout_s=1)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(f"Asterisk Call Manager/9.0.0{EOL}".encode())
        try:
            while block := await reader.readuntil(f"{EOL}{EOL}".encode()):
                fields = dict(
                    line.split(": ", 1)
                    for line in block.decode().strip().split(EOL)
                    if ": " in line
                )
                self.actions.append(fields["Action"])
                for message in self.reply(fields):
                    lines = [
                        f"{k}: {v}"
                        for k, values in message.items()
                        for v in (values if isinstance(values, list) else [values])
                    ]
                    writer.write((EOL.join(lines) + EOL * 2).encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def reply(self, f: dict[str, str]) -> list[dict[str, str | list[str]]]:
        aid = {"ActionID": f.get("ActionID", "")}
        action = f["Action"]
        if action == "Login":
            if f.get("Secret") != self.secret:
                return [{"Response": "Error", **aid, "Message": "Authentication failed"}]
            self.logins += 1
            return [
                {"Response": "Success", **aid, "Message": "Authentication accepted"},
                {"Event": "FullyBooted", "Status": "Fully Booted"},
            ]
        if action == "Ping":
            return [{"Response": "Success", **aid, "Ping": "Pong"}]
        if action == "QueueStatus":
            return [
                {
                    "Response": "Success",
                    **aid,
                    "EventList": "start",
                    "Message": "Queue status will follow",
                },
                {
                    "Event": "QueueParams",
                    "Queue": "reception",
                    "Completed": "0",
                    "Abandoned": "0",
                    **aid,
                },
                {"Event": "QueueStatusComplete", **aid, "EventList": "Complete", "ListItems": "1"},
            ]
        if action == "QueueAdd":
            # the reply that panoramisk mistakes for the start of a list
            return [{"Response": "Success", **aid, "Message": "Added interface to queue"}]
        if action == "Command":
            if f.get("Command") == "core show version":
                lines = ["Asterisk 22.10.1 built by fake", "on x86_64"]
                return [{"Response": "Success", **aid, "Output": lines}]
            # Asterisk answers an unknown CLI command with an error *and* its text
            return [{"Response": "Error", **aid, "Output": "No such command 'nope'"}]
        if action == "Hold":
            self.held.set()
            return []
        return [{"Response": "Error", **aid, "Message": "Invalid/unknown command"}]

    def drop(self) -> None:
        for writer in self.writers:
            writer.close()
        self.writers.clear()


@pytest.fixture
async def fake_ami() -> AsyncIterator[FakeAmi]:
    fake = FakeAmi()
    fake.server = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
    try:
        yield fake
    finally:
        fake.drop()
        fake.server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.server.wait_closed(), 2)


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


async def test_cli_commands_keep_their_lines(fake_ami: FakeAmi) -> None:
    async with ami_session(fake_ami.config()) as ami:
        assert await ami.command("core show version") == (
            "Asterisk 22.10.1 built by fake\non x86_64"
        )
        assert await ami.command("nope") == "No such command 'nope'"
    assert fake_ami.actions == ["Login", "Command", "Command"]


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
