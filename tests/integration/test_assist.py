"""Live assist against the real Asterisk 22 and the real Whisper: the call side
(``pbx.service.serve_controller``, in this process so that the test reads its bus)
routes a day caller to the reception queue, a baresip agent (1001, auto-answer)
picks up; both legs are snooped and transcribed. The caller (MBROLA fr4) asks about
an identity card; the agent (MBROLA fr2) greets. Judged by the bus events
(``AssistLine`` of each speaker, ``AssistSuggested``), the case's turns, and no
assist channel left in Asterisk once the call is over."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from guichet.bus import InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.events import AgentConnected, AssistLine, AssistSuggested, Event
from guichet.store import open_store
from pbx.asterisk_process import load_secrets
from tests.integration.call_side import BusWatch, ari_get, call_side
from tests.integration.stack import Stack
from tests.support.sip_caller import AgentPhone, CallSession
from tests.support.speech import caller_audio

pytestmark = pytest.mark.asterisk

AGENT = "1001"
CALLER_NUMBER = "0612345678"
QUESTION = "Bonjour, je voudrais refaire ma carte d'identité, comment faut-il faire ?"
GREETING = "Bonjour, accueil de la mairie, je vous écoute."
RIGHT_CARD = "cni-demande"


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def assist_lines(seen: Sequence[Event]) -> object:
    return [(e.speaker, e.text) for e in seen if isinstance(e, AssistLine)]


@contextlib.asynccontextmanager
async def agent_in_queue(
    stack: Stack, workdir: Path, audio_in: Path | None = None
) -> AsyncIterator[AgentPhone]:
    """The agent's auto-answer phone, registered and logged in to reception (logged
    out at the end)."""
    async with AgentPhone(
        f"{stack.sip_host}:{stack.sip_port}",
        user=AGENT,
        password=load_secrets(stack.settings).sip_accounts[AGENT],
        workdir=workdir,
        audio_in=audio_in,
        max_duration_s=90,
    ) as agent:
        await agent.wait_registered(10)
        stack.guichet("queues", "login", AGENT, "reception")
        try:
            yield agent
        finally:
            stack.guichet("queues", "logout", AGENT)


def day_caller(stack: Stack, workdir: Path, audio_in: Path) -> CallSession:
    """A caller from CALLER_NUMBER on the day line (to the reception queue)."""
    return CallSession(
        stack.sip_target("3000"),
        workdir=workdir,
        user=CALLER_NUMBER,
        audio_in=audio_in,
        max_duration_s=60,
    )


async def channels(stack: Stack) -> list[str]:
    """Every channel in Asterisk now (ARI)."""
    return [str(c["id"]) for c in await ari_get(stack, "/channels")]


async def assist_channels(stack: Stack) -> list[str]:
    return [c for c in await channels(stack) if "assist" in c]


async def test_both_legs_are_transcribed_and_the_right_card_suggested(
    stack: Stack, tmp_path: Path
) -> None:
    stack.guichet("mode", "day")
    caller_mic = caller_audio(tmp_path / "caller.wav", (9.0, QUESTION), (12.0, "."), voice="mb-fr4")
    agent_mic = caller_audio(tmp_path / "agent.wav", (1.0, GREETING), (25.0, "."), voice="mb-fr2")
    bus = InMemoryBus()
    async with (
        call_side(stack, bus),
        bus.subscribe(types=(AgentConnected, AssistLine, AssistSuggested)) as events,
        agent_in_queue(stack, tmp_path / "agent", agent_mic),
        day_caller(stack, tmp_path / "caller", caller_mic) as call,
    ):
        seen = BusWatch(events, describe=assist_lines)
        assert await call.wait_established(10), call.log
        connected = await seen.first(AgentConnected, lambda e: True, 40)
        call_id = connected.unique_id
        assert connected.agent_unique_id, "AMI's DestUniqueid not carried"
        agent_line = await seen.first(AssistLine, lambda e: e.final and e.speaker == "agent", 40)
        caller_line = await seen.first(AssistLine, lambda e: e.final and e.speaker == "caller", 60)
        suggested = await seen.first(AssistSuggested, lambda e: e.for_seq == caller_line.seq, 20)
        call.hangup()
        await call.wait_closed(10)
    print(f"agent: {agent_line.text!r}; caller: {caller_line.text!r}")
    print(f"cards: {[(c.card_id, c.confidence, c.why) for c in suggested.cards]}")
    assert agent_line.call_id == call_id and agent_line.agent == AGENT
    assert {"accueil", "mairie"} & words(agent_line.text), agent_line.text
    assert {"carte", "identité"} & words(caller_line.text), caller_line.text
    assert suggested.cards and suggested.cards[0].card_id == RIGHT_CARD, suggested
    assert suggested.cards[0].answer and suggested.cards[0].why
    # both legs' final lines are on the call's case
    store = open_store(stack.settings.store_url)
    try:
        cases = CaseRepository(store)
        case = await cases.case_for_call(call_id)
        assert case is not None and case.id == caller_line.case_id
        turns = (await cases.get_case(case.id)).turns
    finally:
        store.close()
    assert any(t.speaker == "caller" and t.text == caller_line.text for t in turns)
    assert any(t.speaker == "agent" and t.text == agent_line.text for t in turns)
    # the call side stopped: nothing of live assist is left in Asterisk
    assert await assist_channels(stack) == []


async def test_a_controller_killed_mid_call_leaves_no_orphan_snoop(
    stack: Stack, tmp_path: Path
) -> None:
    """SIGKILL while both legs are snooped: the snoop channels stay in Asterisk
    (nobody hung them up; the media channels end with their websocket); the next
    controller removes them on connect, and the caller and the agent still talk."""
    stack.guichet("mode", "day")
    caller_mic = caller_audio(tmp_path / "caller.wav", (2.0, QUESTION), (40.0, "."), voice="mb-fr4")
    first = await stack.start_controller()
    second = None
    try:
        async with (
            agent_in_queue(stack, tmp_path / "agent"),
            day_caller(stack, tmp_path / "caller", caller_mic) as call,
        ):
            assert await call.wait_established(10), call.log
            on = await first.wait_for_line(r"call (\S+): live assist on \((\d) legs\)", 40)
            assert on.group(2) == "2"
            made = await assist_channels(stack)
            assert len(made) == 4, made  # two snoops, two media channels
            await first.kill()
            # the media channels end with their websocket; the snoops stay
            snoops = [c for c in await assist_channels(stack) if c.endswith("-snoop")]
            assert len(snoops) == 2, snoops
            second = await stack.start_controller()
            await second.wait_for_line(r"assist: [1-4] orphan channels removed", 20)
            assert await assist_channels(stack) == []
            assert on.group(1) in await channels(stack)  # the caller is still there
            call.hangup()
            await call.wait_closed(10)
    finally:
        for controller in (first, second):
            if controller is not None and controller.returncode is None:
                await controller.stop()
