"""A small fake AMI server: just enough of Asterisk's manager protocol for the AMI
client's tests, with an account's write classes enforced as Asterisk does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pbx.ami import AmiConfig

EOL = "\r\n"

# the class each action needs (Asterisk 22's registration; DBGet also takes "reporting")
ACTION_CLASS = {
    "QueueAdd": "agent",
    "DBPut": "system",
    "DBGet": "system",
    "Command": "command",
}


class FakeAmi:
    """Speaks just enough AMI: Login, Ping, QueueStatus (one empty queue), QueueAdd,
    DBPut/DBGet (an AstDB of its own); ``Hold`` is never answered;
    ``drop()`` cuts every connection. ``write``: the account's write classes (Guichet's
    own by default), checked as Asterisk does ("Permission denied")."""

    def __init__(
        self, secret: str = "s", write: frozenset[str] = frozenset({"agent", "system"})
    ) -> None:
        self.secret = secret
        self.write = write
        self.astdb: dict[tuple[str, str], str] = {}
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
        needed = ACTION_CLASS.get(action)
        if needed is not None and needed not in self.write:
            return [{"Response": "Error", **aid, "Message": "Permission denied"}]
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
        if action == "DBPut":
            self.astdb[(f.get("Family", ""), f.get("Key", ""))] = f.get("Val", "")
            return [{"Response": "Success", **aid, "Message": "Updated database successfully"}]
        if action == "DBGet":
            key = (f.get("Family", ""), f.get("Key", ""))
            if key not in self.astdb:
                return [{"Response": "Error", **aid, "Message": "Database entry not found"}]
            return [
                {"Response": "Success", **aid, "EventList": "start",
                 "Message": "Result will follow"},
                {"Event": "DBGetResponse", "Family": key[0], "Key": key[1],
                 "Val": self.astdb[key], **aid},
                {"Event": "DBGetComplete", **aid, "EventList": "Complete", "ListItems": "1"},
            ]  # fmt: skip
        if action == "Hold":
            self.held.set()
            return []
        return [{"Response": "Error", **aid, "Message": "Invalid/unknown command"}]

    def drop(self) -> None:
        for writer in self.writers:
            writer.close()
        self.writers.clear()


@contextlib.asynccontextmanager
async def running_fake_ami(**options: Any) -> AsyncIterator[FakeAmi]:
    """A :class:`FakeAmi` listening on a free loopback port until the block ends."""
    fake = FakeAmi(**options)
    fake.server = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
    try:
        yield fake
    finally:
        fake.drop()
        fake.server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.server.wait_closed(), 2)
