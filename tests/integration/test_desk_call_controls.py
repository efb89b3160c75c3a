"""The desk's call controls end to end, every part real: ``guichet up`` (Asterisk 22,
the controller and its queues, the web app carrying SIP), the desk page (JsSIP) in
Debian's headless Chromium whose fake microphone plays a tone, and a baresip caller
on the city's number playing a tone of its own and recording what it hears.

Each control is judged at the other end of the call: hold, mute and resume by what
the caller hears (the agent's tone, Asterisk's music on hold: musiconhold.conf's
default class, which chan_pjsip starts on the caller when the agent's leg goes on
hold, moh_passthrough being off), the keypad by the digit the caller's phone
receives, the attended transfer by who talks to whom afterwards and which channels
Asterisk still has."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from guichet.accounts import AccountRepository
from pbx.ami import AmiConfig, AmiConnection, ami_session
from tests.integration.up import Up, guichet_up
from tests.support.audio import tone
from tests.support.browser import OpenPage, browser_pages
from tests.support.desk_page import set_state
from tests.support.listening import Window, listen
from tests.support.sip_caller import CallSession

PASSWORD = "correct horse battery staple"
AGENT, EXPERT = "alice", "ines"
SERVICE = "etat-civil"
CALLER_HZ, AGENT_HZ, EXPERT_HZ = 440.0, 1000.0, 1600.0
UI_MS = 30_000  # what the page must show within
WINDOW_S = 2.0  # each stretch of the call the caller's recording is judged on
HEARD_SHARE = 0.6  # a tone heard: most of the stretch's energy is in its band
GONE_SHARE = 0.2  # a tone not heard (music may fill the stretch, not the tone)
SILENT_DB = -50.0  # a muted agent: the tone's level on the caller's line

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.asterisk, pytest.mark.slow]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def up(tmp_path_factory: pytest.TempPathFactory, demo_kb_index: Path) -> AsyncIterator[Up]:
    """``guichet up`` with an agent (reception) and an expert (état civil), day mode."""

    def add(accounts: AccountRepository) -> None:
        accounts.add(AGENT, "agent", password=PASSWORD, display_name="Alice Martin")
        accounts.add(EXPERT, "expert", password=PASSWORD, services=[SERVICE])

    async with guichet_up(
        tmp_path_factory.mktemp("controls-home"),
        add,
        ready_s=180,
        kb_index=str(demo_kb_index),
        desk_wrapup_s="1",
    ) as running:
        yield running


def console(page: Page) -> str:
    return "\n".join(getattr(page, "console_lines", []))


async def open_desk(open_page: OpenPage, up: Up, user: str, mic: Path) -> Page:
    """``user``'s desk, registered and available."""
    page = await open_page(up.base_url, user, PASSWORD, microphone=mic)
    await page.goto(f"{up.base_url}/desk")
    await page.wait_for_selector('#conn-phone[data-state="registered"]', timeout=UI_MS)
    await set_state(page, "available", timeout_ms=UI_MS)
    return page


async def shows(page: Page, selector: str, *, hidden: bool = False) -> None:
    """Until ``page`` shows ``selector`` (``hidden``: has it, hidden); a failure says
    what it showed instead."""
    try:
        await page.wait_for_selector(
            selector, timeout=UI_MS, state="attached" if hidden else "visible"
        )
    except PlaywrightTimeout as exc:
        status = await page.inner_text("#call-status")
        raise AssertionError(f"{selector} not shown: {status}\n{console(page)}") from exc


def mics(tmp_path: Path) -> dict[str, Path]:
    """Each party's microphone: a tone of its own (the browsers loop theirs)."""
    found = {}
    for name, hz in (("caller", CALLER_HZ), ("agent", AGENT_HZ), ("expert", EXPERT_HZ)):
        found[name] = tmp_path / f"{name}.wav"
        tone(hz, 60 if name == "caller" else 10, path=found[name])
    return found


@contextlib.asynccontextmanager
async def answered_call(
    up: Up, open_page: OpenPage, tmp_path: Path, mic: dict[str, Path]
) -> AsyncIterator[tuple[Page, CallSession]]:
    """The agent's desk, a caller on the city's number, the call answered on the desk
    and the agent's tone reaching the caller."""
    agent = await open_desk(open_page, up, AGENT, mic["agent"])
    async with up.caller(tmp_path / "caller", mic["caller"], max_duration_s=90) as call:
        assert await call.wait_established(15), call.log
        await shows(agent, '#call-status[data-state="ringing"]')
        await agent.click("#answer")
        await shows(agent, '#call-status[data-state="in-call"]')
        talk = await listen(call, WINDOW_S)
        assert talk.share(AGENT_HZ) > HEARD_SHARE, talk.describe(AGENT_HZ)
        yield agent, call


async def press(page: Page, button: str, *, pressed: bool) -> None:
    """Click a toggle button (``#hold``, ``#mute``) and wait until it shows ``pressed``."""
    await page.click(button)
    await shows(page, f'{button}[aria-pressed="{str(pressed).lower()}"]')


def hears_agent(window: Window) -> str:
    return window.describe(AGENT_HZ, CALLER_HZ, EXPERT_HZ)


# --- hold: the caller hears the music on hold, then the agent again ---------------


async def test_hold_puts_the_caller_on_music_and_resume_brings_the_agent_back(
    up: Up, tmp_path: Path
) -> None:
    mic = mics(tmp_path)
    async with (
        browser_pages(tmp_path) as open_page,
        answered_call(up, open_page, tmp_path, mic) as (agent, call),
    ):
        await press(agent, "#hold", pressed=True)
        await shows(agent, '#call-status[data-state="on-hold"]')
        held = await listen(call, WINDOW_S)
        assert held.share(AGENT_HZ) < GONE_SHARE, hears_agent(held)
        # the music on hold, not silence: the agent's tone is gone, sound goes on
        assert held.level_db > -40.0, hears_agent(held)

        await press(agent, "#hold", pressed=False)
        await shows(agent, '#call-status[data-state="in-call"]')
        back = await listen(call, WINDOW_S)
        assert back.share(AGENT_HZ) > HEARD_SHARE, hears_agent(back)
        assert not call.closed, call.log


# --- mute: the caller stops hearing the agent's microphone, then hears it again ---


async def test_mute_silences_the_agent_for_the_caller_and_unmute_undoes_it(
    up: Up, tmp_path: Path
) -> None:
    mic = mics(tmp_path)
    async with (
        browser_pages(tmp_path) as open_page,
        answered_call(up, open_page, tmp_path, mic) as (agent, call),
    ):
        await press(agent, "#mute", pressed=True)
        muted = await listen(call, WINDOW_S)
        assert muted.tone_db(AGENT_HZ) < SILENT_DB, hears_agent(muted)

        await press(agent, "#mute", pressed=False)
        back = await listen(call, WINDOW_S)
        assert back.share(AGENT_HZ) > HEARD_SHARE, hears_agent(back)
        assert not call.closed, call.log


# --- keypad: a key on the desk reaches the caller as RFC 4733 DTMF -----------------


async def test_a_keypad_key_reaches_the_caller_as_a_dtmf_digit(up: Up, tmp_path: Path) -> None:
    mic = mics(tmp_path)
    async with (
        browser_pages(tmp_path) as open_page,
        answered_call(up, open_page, tmp_path, mic) as (agent, call),
    ):
        await agent.click("#keypad summary")  # the keypad opens
        for digit in ("5", "#"):
            # baresip 1.0.0 logs each RFC 4733 event it receives, start and end
            event = rf"received event: '{re.escape(digit)}' \(end=1\)"
            received = asyncio.ensure_future(call.wait_for_line(event, 15))
            try:
                await agent.click(f'[data-dtmf="{digit}"]')
                await received
            except TimeoutError:
                raise AssertionError(f"no DTMF {digit}:\n{call.log}\n{console(agent)}") from None
            finally:
                received.cancel()


# --- attended transfer: consult the service, then complete or cancel --------------


async def consult_the_expert(agent: Page, expert: Page) -> None:
    """The agent consults the service; the expert's desk rings and answers."""
    await agent.select_option("#transfer-target", SERVICE)
    await agent.click("#transfer-consult")
    await shows(agent, "#transfer-complete:not([hidden])")
    await shows(agent, '#hold[aria-pressed="true"]')  # the caller waits on hold
    await shows(expert, '#call-status[data-state="ringing"]')
    await expert.click("#answer")
    await shows(expert, '#call-status[data-state="in-call"]')
    await agent.wait_for_function(
        "() => window.guichetDesk.phone.consult?.isEstablished() === true", timeout=UI_MS
    )


# the dominant frequency (Hz) of what the page's phone plays from the far end, by an
# analyser on the received track, once it is near the expected one (or null)
PAGE_HEARS_JS = """
async ([hz, within_ms]) => {
  const pc = window.guichetDesk.phone.session.connection;
  const tracks = pc.getReceivers().map((r) => r.track).filter((t) => t && t.kind === "audio");
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(new MediaStream(tracks));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  source.connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  const deadline = Date.now() + within_ms;
  let peak = null;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    analyser.getFloatFrequencyData(bins);
    let best = 1;
    for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    peak = (best * ctx.sampleRate) / analyser.fftSize;
    if (bins[best] > -60 && Math.abs(peak - hz) < 20) break;
  }
  await ctx.close();
  return peak;
}
"""


async def _agent_channels(ami: AmiConnection) -> list[str]:
    listed = await ami.action({"Action": "CoreShowChannels"}, as_list=True)
    names = [m.get("Channel", "") for m in listed if m.get("Event") == "CoreShowChannel"]
    return [n for n in names if n.startswith(f"PJSIP/{AGENT}-")]


async def agent_channels(up: Up) -> list[str]:
    """The agent's channels Asterisk has now (``PJSIP/alice-…``)."""
    async with ami_session(AmiConfig.from_settings(up.settings)) as ami:
        return await _agent_channels(ami)


async def until_no_agent_channel(up: Up, within_s: float) -> None:
    """Until each of the agent's channels has had its ``Hangup`` event (listened to
    before they are listed, so none is missed), with a time-out."""
    async with ami_session(AmiConfig.from_settings(up.settings), events=True) as ami:
        left = set(await _agent_channels(ami))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within_s):
                while left:
                    event = await ami.next_event()
                    if event.get("Event") == "Hangup":
                        left.discard(event.get("Channel", ""))
    assert not left, f"the agent's legs are still up: {sorted(left)}"


async def test_an_attended_transfer_leaves_the_caller_talking_to_the_expert(
    up: Up, tmp_path: Path
) -> None:
    mic = mics(tmp_path)
    async with browser_pages(tmp_path) as open_page:
        expert = await open_desk(open_page, up, EXPERT, mic["expert"])
        async with answered_call(up, open_page, tmp_path, mic) as (agent, call):
            await consult_the_expert(agent, expert)
            waiting = await listen(call, WINDOW_S)
            assert waiting.share(AGENT_HZ) < GONE_SHARE, hears_agent(waiting)
            assert waiting.share(EXPERT_HZ) < GONE_SHARE, hears_agent(waiting)

            await agent.click("#transfer-complete")
            await shows(agent, '#call-status[data-state="idle"]')
            await until_no_agent_channel(up, 10)
            assert await expert.get_attribute("#call-status", "data-state") == "in-call"
            assert not call.closed, call.log
            # caller <-> expert: the caller hears the expert's tone (no music left),
            # the expert's page plays the caller's
            talk = await listen(call, WINDOW_S)
            assert talk.share(EXPERT_HZ) > HEARD_SHARE, hears_agent(talk)
            peak = await expert.evaluate(PAGE_HEARS_JS, [CALLER_HZ, 10_000])
            assert peak is not None and abs(peak - CALLER_HZ) < 20, peak


async def test_a_cancelled_consultation_gives_the_caller_back_to_the_agent(
    up: Up, tmp_path: Path
) -> None:
    mic = mics(tmp_path)
    async with browser_pages(tmp_path) as open_page:
        expert = await open_desk(open_page, up, EXPERT, mic["expert"])
        async with answered_call(up, open_page, tmp_path, mic) as (agent, call):
            await consult_the_expert(agent, expert)
            await agent.click("#transfer-cancel")
            # the consultation ends on both desks; the caller is taken off hold
            await shows(expert, '#call-status[data-state="idle"]')
            await shows(agent, "#transfer-complete[hidden]", hidden=True)
            await shows(agent, '#hold[aria-pressed="false"]')
            await shows(agent, '#call-status[data-state="in-call"]')
            back = await listen(call, WINDOW_S)
            assert back.share(AGENT_HZ) > HEARD_SHARE, hears_agent(back)
            assert back.share(EXPERT_HZ) < GONE_SHARE, hears_agent(back)
            assert len(await agent_channels(up)) == 1  # the caller's leg only
            assert not call.closed, call.log
