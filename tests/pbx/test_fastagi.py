"""The FastAGI server against a client that speaks AGI as Asterisk does."""

import asyncio
import datetime as dt
import socket
from zoneinfo import ZoneInfo

import pytest

from ivr_flows.decision import Mode
from ivr_flows.model import Flow
from pbx.fastagi import FastAgiServer

PARIS = ZoneInfo("Europe/Paris")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def agi_call(port: int, script: str = "route") -> dict[str, str]:
    """Connect, send the agi_* environment, answer every command with 200, and
    return the variables the server set."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    env = [
        "agi_network: yes",
        f"agi_network_script: {script}",
        f"agi_request: agi://127.0.0.1:{port}/{script}",
        "agi_channel: PJSIP/trunk-00000001",
        "agi_language: fr",
        "",
    ]
    writer.write(("\n".join(env) + "\n").encode())
    await writer.drain()
    variables: dict[str, str] = {}
    while line := (await asyncio.wait_for(reader.readline(), 5)).decode().strip():
        if line.startswith("SET VARIABLE "):
            _, _, name, value = line.split(" ", 3)
            variables[name] = value.strip('"')
        writer.write(b"200 result=1\n")
        await writer.drain()
    writer.close()
    return variables


async def serve(flow: Flow, mode: Mode, now: dt.datetime) -> tuple[asyncio.Task[None], int]:
    async def read_mode() -> Mode:
        return mode

    port = free_port()
    ready = asyncio.Event()
    server = FastAgiServer(flow, read_mode, clock=lambda: now)
    task = asyncio.create_task(server.serve("127.0.0.1", port, ready))
    await asyncio.wait_for(ready.wait(), 5)
    return task, port


@pytest.mark.parametrize(
    ("mode", "now", "route", "reason"),
    [
        (Mode.AUTO, dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), "queue", "open"),
        (Mode.AUTO, dt.datetime(2026, 11, 30, 20, 0, tzinfo=PARIS), "closed", "outside_hours"),
        (Mode.AUTO, dt.datetime(2026, 4, 6, 10, 0, tzinfo=PARIS), "closed", "holiday"),
        (Mode.NIGHT, dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), "closed", "forced_night"),
        (Mode.DAY, dt.datetime(2026, 11, 30, 20, 0, tzinfo=PARIS), "queue", "forced_day"),
    ],
)
async def test_route_sets_the_channel_variables(
    flow: Flow, mode: Mode, now: dt.datetime, route: str, reason: str
) -> None:
    task, port = await serve(flow, mode, now)
    try:
        variables = await agi_call(port)
    finally:
        task.cancel()
    assert variables == {"GUICHET_ROUTE": route, "GUICHET_ROUTE_REASON": reason}


async def test_unknown_script_sets_nothing_and_the_server_keeps_serving(flow: Flow) -> None:
    task, port = await serve(flow, Mode.AUTO, dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS))
    try:
        assert await agi_call(port, "nope") == {}
        # a client that hangs up mid-environment does not hurt either
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"agi_network: yes\n")
        writer.close()
        assert (await agi_call(port))["GUICHET_ROUTE"] == "queue"
    finally:
        task.cancel()
