"""With no call controller, the dialplan still routes by the flow: the day/night mode
from AstDB, the FastAGI server's decision, or the hours rendered as GotoIfTime().
Real Asterisk 22, real baresip callers, judged by the prompts the caller heard."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from guichet.store import Store, open_store
from ivr_flows.calendar import is_open
from ivr_flows.decision import Mode
from ivr_flows.loader import load_flow_for
from ivr_flows.mode import read_mode as stored_mode
from pbx.astdb import set_mode
from pbx.fastagi import FastAgiServer
from tests.integration.stack import Stack, start_stack
from tests.support.audio import best_correlation, gsm_to_wav, read_wav
from tests.support.sip_caller import CallResult, place_call

pytestmark = pytest.mark.asterisk

PARIS = ZoneInfo("Europe/Paris")
MONDAY_10H = dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)  # open
MONDAY_20H = dt.datetime(2026, 11, 30, 20, 0, tzinfo=PARIS)  # closed

# the demo flow's sounds (ivr_flows/default.yaml, French)
DOWN = "sorry-youre-having-problems"  # always first on this path
CLOSED = "im-sorry"  # closed: im-sorry & please-try-call-later
HOLD = "pls-hold-while-try"  # open: hold, Queue(reception), then no_agent
NO_AGENT = "all-circuits-busy-now"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The conftest ``stack``, with the dialplan's FastAGI port set to one this module
    owns (so a developer's ``guichet up`` on 4573 is not asked)."""
    home = tmp_path_factory.mktemp("guichet-home")
    (home / "guichet.toml").write_text(f"agi_port = {_free_port()}\n", encoding="utf-8")
    running = start_stack(home)
    try:
        yield running
    finally:
        running.asterisk.stop()


@pytest.fixture
def store(stack: Stack) -> Iterator[Store]:
    opened = open_store(stack.settings.store_url)
    try:
        yield opened
    finally:
        set_mode(stack.settings, opened, Mode.AUTO)
        opened.close()


class AgiUnderTest:
    """The real FastAGI server on the stack's agi_port, with a chosen clock; counts the
    decisions it made so a test knows the dialplan asked it."""

    def __init__(self, stack: Stack, store: Store, now: dt.datetime) -> None:
        self.asked = 0
        flow = load_flow_for(stack.settings)

        async def read_mode() -> Mode:
            self.asked += 1
            return await asyncio.to_thread(stored_mode, store)

        self.server = FastAgiServer(flow, read_mode, clock=lambda: now)


StartAgi = Callable[[dt.datetime], Awaitable[AgiUnderTest]]


@pytest.fixture
async def agi_at(stack: Stack, store: Store) -> AsyncIterator[StartAgi]:
    tasks: list[asyncio.Task[None]] = []

    async def start(now: dt.datetime) -> AgiUnderTest:
        agi = AgiUnderTest(stack, store, now)
        ready = asyncio.Event()
        tasks.append(
            asyncio.create_task(
                agi.server.serve(stack.settings.agi_host, stack.settings.agi_port, ready)
            )
        )
        await asyncio.wait_for(ready.wait(), 5)
        return agi

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def heard(stack: Stack, result: CallResult, sound: str, tmp_path: Path) -> float:
    assert result.recording is not None, result.log
    audio, rate = read_wav(result.recording)
    wav = gsm_to_wav(stack.sounds_dir / "fr" / f"{sound}.gsm", tmp_path / f"{sound}.wav")
    ref, _ = read_wav(wav)
    return best_correlation(audio, ref, rate)[0]


async def call_city_hall(stack: Stack, tmp_path: Path) -> CallResult:
    result = await place_call(stack.sip_target("3000"), listen_s=25, workdir=tmp_path)
    assert result.established, result.log
    assert result.remote_hangup, f"Asterisk did not hang up:\n{result.log}"
    return result


def assert_closed_message(stack: Stack, result: CallResult, tmp_path: Path) -> None:
    assert heard(stack, result, DOWN, tmp_path) > 0.9
    assert heard(stack, result, CLOSED, tmp_path) > 0.9
    assert heard(stack, result, HOLD, tmp_path) < 0.7, "went to the queue"
    assert result.duration_s < 12


def assert_queue_then_no_agent(stack: Stack, result: CallResult, tmp_path: Path) -> None:
    assert heard(stack, result, DOWN, tmp_path) > 0.9
    assert heard(stack, result, HOLD, tmp_path) > 0.9, "never reached the queue"
    assert heard(stack, result, NO_AGENT, tmp_path) > 0.9
    # nobody is logged in: Queue() returns at once (joinempty), no 300 s wait
    assert result.duration_s < 20


async def test_night_mode_plays_the_closed_message(
    stack: Stack, store: Store, tmp_path: Path, agi_at: StartAgi
) -> None:
    set_mode(stack.settings, store, Mode.NIGHT)
    assert "night" in stack.asterisk.cli("database get guichet mode")
    agi = await agi_at(MONDAY_10H)
    result = await call_city_hall(stack, tmp_path)
    assert_closed_message(stack, result, tmp_path)
    assert agi.asked == 0  # AstDB's night settles it without Python


async def test_day_mode_goes_to_the_queue_and_says_no_agent(
    stack: Stack, store: Store, tmp_path: Path, agi_at: StartAgi
) -> None:
    set_mode(stack.settings, store, Mode.DAY)
    agi = await agi_at(MONDAY_20H)  # closed by the hours: day mode must win
    result = await call_city_hall(stack, tmp_path)
    assert_queue_then_no_agent(stack, result, tmp_path)
    assert agi.asked == 0


@pytest.mark.parametrize("now", [MONDAY_10H, MONDAY_20H], ids=["open", "closed"])
async def test_auto_mode_asks_the_fastagi_server(
    stack: Stack, store: Store, tmp_path: Path, agi_at: StartAgi, now: dt.datetime
) -> None:
    """The server's clock says open or closed; the real clock (used by the GotoIfTime
    fallback) cannot agree with both, so passing both proves the AGI decided."""
    set_mode(stack.settings, store, Mode.AUTO)
    agi = await agi_at(now)
    result = await call_city_hall(stack, tmp_path)
    assert agi.asked == 1
    if now is MONDAY_10H:
        assert_queue_then_no_agent(stack, result, tmp_path)
    else:
        assert_closed_message(stack, result, tmp_path)


async def test_auto_mode_without_fastagi_follows_the_rendered_hours(
    stack: Stack, store: Store, tmp_path: Path
) -> None:
    """Python down too: GotoIfTime() from the flow must agree with ivr_flows.calendar."""
    set_mode(stack.settings, store, Mode.AUTO)
    flow = load_flow_for(stack.settings)
    # Asterisk's clock decides; a call across an opening or closing minute proves
    # nothing, and the next call (seconds later) cannot straddle one again
    for attempt in range(2):
        before = dt.datetime.now(dt.UTC)
        result = await call_city_hall(stack, tmp_path / f"call{attempt}")
        after = dt.datetime.now(dt.UTC)
        if is_open(flow, before) == is_open(flow, after):
            break
    else:
        raise AssertionError("two calls in a row straddled an opening or closing minute")
    if is_open(flow, before):
        assert_queue_then_no_agent(stack, result, tmp_path)
    else:
        assert_closed_message(stack, result, tmp_path)
