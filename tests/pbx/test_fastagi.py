"""The FastAGI server against a client that speaks AGI as Asterisk does."""

import asyncio
import contextlib
import datetime as dt
import logging
import socket
from zoneinfo import ZoneInfo

import pytest

from ivr_flows.decision import Mode
from ivr_flows.model import Flow
from pbx.fastagi import AgiLimits, FastAgiServer

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


# --- a peer that is not Asterisk: the server cuts it, cleanly, and keeps serving ---

NOON = dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)


async def closed_by_server(reader: asyncio.StreamReader, within_s: float) -> bool:
    """True when the server ends the connection (EOF or reset) within ``within_s``,
    reading (and dropping) whatever it sent before."""
    try:
        async with asyncio.timeout(within_s):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


async def send_ignoring_reset(writer: asyncio.StreamWriter, data: bytes) -> None:
    """Send as a flooding client does: the server may reset the connection midway."""
    with contextlib.suppress(ConnectionError):
        writer.write(data)
        await writer.drain()


def cut_reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "connection cut" in r.getMessage()]


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> bool:
    return all(r.exc_info is None and r.levelno < logging.ERROR for r in caplog.records)


async def test_a_huge_line_is_cut_without_a_traceback(
    flow: Flow, caplog: pytest.LogCaptureFixture
) -> None:
    task, port = await serve(flow, Mode.AUTO, NOON)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # 1 MiB with no newline: the server must not buffer it all, nor crash on it
        await send_ignoring_reset(writer, b"agi_network: " + b"x" * (1 << 20))
        assert await closed_by_server(reader, within_s=2)
        writer.close()
        assert (await agi_call(port))["GUICHET_ROUTE"] == "queue"
    finally:
        task.cancel()
    assert any("longer than" in reason for reason in cut_reasons(caplog)), caplog.text
    assert no_tracebacks(caplog), caplog.text


async def test_endless_headers_are_cut_before_the_session_time_out(
    flow: Flow, caplog: pytest.LogCaptureFixture
) -> None:
    task, port = await serve(flow, Mode.AUTO, NOON)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # short, well-formed lines, never the blank line that ends the environment
        await send_ignoring_reset(writer, b"".join(b"agi_x%d: y\n" % n for n in range(5000)))
        # cut on the line count, well before the 5 s that Asterisk's own wait allows
        assert await closed_by_server(reader, within_s=2)
        writer.close()
        assert (await agi_call(port))["GUICHET_ROUTE"] == "queue"
    finally:
        task.cancel()
    assert any("lines" in reason for reason in cut_reasons(caplog)), caplog.text
    assert no_tracebacks(caplog), caplog.text


async def test_long_lines_add_up_to_the_byte_cap(
    flow: Flow, caplog: pytest.LogCaptureFixture
) -> None:
    task, port = await serve(flow, Mode.AUTO, NOON)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        line = b"agi_x: " + b"y" * 4000 + b"\n"  # each under the line limit
        await send_ignoring_reset(writer, line * 40)
        assert await closed_by_server(reader, within_s=2)
        writer.close()
    finally:
        task.cancel()
    assert any("bytes" in reason for reason in cut_reasons(caplog)), caplog.text


async def test_a_peer_that_answers_every_command_with_hangup_lines_is_cut(
    flow: Flow, caplog: pytest.LogCaptureFixture
) -> None:
    task, port = await serve(flow, Mode.AUTO, NOON)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"agi_network: yes\nagi_network_script: route\n\n")
        await writer.drain()
        command = await asyncio.wait_for(reader.readline(), 2)
        assert command.startswith(b"SET VARIABLE")
        # "HANGUP" is skipped while waiting for a command's reply: not forever
        await send_ignoring_reset(writer, b"HANGUP\n" * 5000)
        assert await closed_by_server(reader, within_s=2)
        writer.close()
    finally:
        task.cancel()
    assert any("lines" in reason for reason in cut_reasons(caplog)), caplog.text


async def test_slow_peers_are_cut_and_the_connection_cap_holds(
    flow: Flow, caplog: pytest.LogCaptureFixture
) -> None:
    async def read_mode() -> Mode:
        return Mode.AUTO

    limits = AgiLimits(header_timeout_s=0.5, session_timeout_s=1.0, max_connections=2)
    server = FastAgiServer(flow, read_mode, clock=lambda: NOON, limits=limits)
    port = free_port()
    ready = asyncio.Event()
    task = asyncio.create_task(server.serve("127.0.0.1", port, ready))
    try:
        await asyncio.wait_for(ready.wait(), 5)
        loop = asyncio.get_running_loop()
        # slowloris: two peers each send half a line and then nothing (the server
        # accepts in connection order, so these two are the ones it is serving)
        slow = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        for _, writer in slow:
            writer.write(b"agi_netw")
            await writer.drain()
        started = loop.time()
        # a third connection, over the cap, is closed at once…
        extra_reader, extra_writer = await asyncio.open_connection("127.0.0.1", port)
        assert await closed_by_server(extra_reader, within_s=0.4)
        extra_writer.close()
        # …and the slow ones once the environment's time is up, not the session's
        for reader, writer in slow:
            assert await closed_by_server(reader, within_s=2)
            writer.close()
        assert loop.time() - started < 1.0
        # then a real call goes through again
        assert (await agi_call(port))["GUICHET_ROUTE"] == "queue"
    finally:
        task.cancel()
    assert len([r for r in cut_reasons(caplog) if "too slow" in r]) == 2, caplog.text
    assert any("refusing" in r.getMessage() for r in caplog.records), caplog.text
    assert no_tracebacks(caplog), caplog.text


async def test_a_trickling_peer_is_cut_at_the_environment_deadline(flow: Flow) -> None:
    async def read_mode() -> Mode:
        return Mode.AUTO

    limits = AgiLimits(header_timeout_s=0.5, session_timeout_s=5.0)
    server = FastAgiServer(flow, read_mode, clock=lambda: NOON, limits=limits)
    port = free_port()
    ready = asyncio.Event()
    task = asyncio.create_task(server.serve("127.0.0.1", port, ready))
    try:
        await asyncio.wait_for(ready.wait(), 5)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        loop = asyncio.get_running_loop()
        started = loop.time()
        closed = asyncio.create_task(closed_by_server(reader, within_s=3))
        # the attack itself: one header line every 50 ms, each resetting any idle timer
        n = 0
        while not closed.done():
            await send_ignoring_reset(writer, b"agi_x%d: y\n" % n)
            n += 1
            await asyncio.sleep(0.05)
        assert closed.result()
        assert loop.time() - started < 1.5
        writer.close()
    finally:
        task.cancel()
