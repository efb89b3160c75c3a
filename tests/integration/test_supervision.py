"""Listen, whisper and barge against the real Asterisk 22: a caller (baresip, a
500 Hz tone) reaches the reception queue, the agent's phone (1001, auto-answer, a
1100 Hz tone) takes the call, and the supervisor's own phone (1002, auto-answer, a
1900 Hz tone; it stands for the supervisor's WebRTC endpoint, rung the same way:
``PJSIP/<username>``) is put on the call by :class:`pbx.supervision.PbxSupervision`,
run by the call side in this process.

Judged by what each phone recorded (baresip's ``dump-*-dec.wav``), in the stretch of
each mode (marked by the recordings' lengths when the mode was set, no clock
alignment): listen, the supervisor hears both tones and nobody hears theirs; whisper,
the agent hears the supervisor and the caller does not; barge, both do. Then the
supervision stops (the supervisor's phone is hung up, the call goes on) and, once the
call is over, nothing supervision made is left in Asterisk."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np
import pytest

from guichet.bus import InMemoryBus
from guichet.events import AgentConnected, SupervisionChanged
from guichet.supervision import SupervisionBusy, SupervisionMode, SupervisorUnreachable
from pbx.asterisk_process import load_secrets
from pbx.supervision import SUPERVISION_PREFIX, PbxSupervision
from tests.integration.call_side import BusWatch, ari_get, call_side
from tests.integration.stack import Stack
from tests.support.audio import band_energy_ratio, read_wav, to_db, tone
from tests.support.recordings import heard, recorded_more
from tests.support.recordings import recorded_samples as samples
from tests.support.sip_caller import AgentPhone, CallSession

pytestmark = pytest.mark.asterisk

AGENT, SUPERVISOR = "1001", "1002"
CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ = 500.0, 1100.0, 1900.0
RATE = 8000
PHASE_S = 3.0  # audio gathered in each mode
SETTLE_S = 0.6  # the start of a stretch left out: the mode change reaching the ears
HEARD_DB = -35.0  # a tone sent at -13.5 dBFS, heard through G.711 and a mix
UNHEARD_DB = -50.0
MODES: tuple[SupervisionMode, ...] = ("listen", "whisper", "barge")
CALL_TRIES = 6


async def supervision_leftovers(stack: Stack) -> list[str]:
    channels = [str(c["id"]) for c in await ari_get(stack, "/channels")]
    bridges = [str(b["id"]) for b in await ari_get(stack, "/bridges")]
    return [x for x in channels + bridges if x.startswith(SUPERVISION_PREFIX)]


@contextlib.asynccontextmanager
async def agent_call(
    stack: Stack, workdir: Path, password: str, seen: BusWatch
) -> AsyncIterator[tuple[AgentPhone, CallSession, str]]:
    """A caller through the reception queue to the agent's phone, once the agent
    hears the caller. A harness limit, not Guichet's: Asterisk sends the answered
    agent leg a few packets of silence before app_queue bridges it (then a new SSRC,
    new random timestamps), and baresip 1.0.0 discards every later frame whose
    timestamp is below the last it played (its log: "dropping … (Connection timed
    out)"), so about half the time that phone hears nothing for the whole call.
    Such a call is hung up and placed again, with a fresh phone."""
    registrar = f"{stack.sip_host}:{stack.sip_port}"
    tried: set[str] = set()
    for attempt in range(CALL_TRIES):
        here = workdir / f"try-{attempt}"
        async with AgentPhone(
            registrar,
            user=AGENT,
            password=password,
            workdir=here / "agent",
            audio_in=workdir / "agent.wav",
            max_duration_s=90,
        ) as agent:
            await agent.wait_registered(10)
            async with CallSession(
                stack.sip_target("3000"),
                workdir=here / "caller",
                user="0612345678",
                audio_in=workdir / "caller.wav",
                max_duration_s=80,
            ) as caller:
                assert await caller.wait_established(10), caller.log
                connected = await seen.first(AgentConnected, lambda e: e.unique_id not in tried, 40)
                tried.add(connected.unique_id)
                assert await agent.wait_established(10), agent.log
                try:
                    await recorded_more(agent, 0.5, 3)
                except TimeoutError:
                    print(f"try {attempt}: the agent's baresip plays nothing, placed again")
                    caller.hangup()
                    await caller.wait_closed(10)
                    continue
                yield agent, caller, connected.unique_id
                return
    raise AssertionError(f"the agent's phone heard nothing in {CALL_TRIES} calls")


def in_mode(mode: str) -> Callable[[SupervisionChanged], bool]:
    return lambda event: event.mode == mode


def tone_db(x: np.ndarray, hz: float) -> float:
    """The level (dBFS) of the tone at ``hz`` in ``x``."""
    if len(x) == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return to_db(float(np.sqrt(band_energy_ratio(x, RATE, hz - 40, hz + 40))) * rms)


def levels(path: Path | None, start: int, end: int) -> dict[str, float]:
    assert path is not None
    x, rate = read_wav(path)
    assert rate == RATE
    part = x[start + int(SETTLE_S * RATE) : end]
    assert len(part) >= int((PHASE_S - SETTLE_S - 0.2) * RATE), (path, start, end, len(x))
    return {
        "caller": tone_db(part, CALLER_HZ),
        "agent": tone_db(part, AGENT_HZ),
        "supervisor": tone_db(part, SUPERVISOR_HZ),
    }


# baresip 1.0.0 now and then writes no recording for a whole call (its log says why);
# the test already places an agent call again for that, and the whole test gets a
# second try for the other phones
@pytest.mark.flaky(reruns=1)
async def test_listen_whisper_barge_each_heard_by_the_right_people(
    stack: Stack, tmp_path: Path
) -> None:
    stack.guichet("mode", "day")
    for name, hz in (("caller", CALLER_HZ), ("agent", AGENT_HZ), ("supervisor", SUPERVISOR_HZ)):
        tone(hz, 90.0, path=tmp_path / f"{name}.wav")
    passwords = load_secrets(stack.settings).sip_accounts
    registrar = f"{stack.sip_host}:{stack.sip_port}"
    bus = InMemoryBus()
    supervision = PbxSupervision.from_settings(stack.settings, bus)
    async with (
        call_side(stack, bus, supervision=supervision),
        bus.subscribe(types=(AgentConnected, SupervisionChanged)) as events,
        AgentPhone(
            registrar,
            user=SUPERVISOR,
            password=passwords[SUPERVISOR],
            workdir=tmp_path / "supervisor",
            audio_in=tmp_path / "supervisor.wav",
            max_duration_s=90,
        ) as supervisor,
    ):
        seen = BusWatch(events)
        await supervisor.wait_registered(10)
        stack.guichet("queues", "login", AGENT, "reception")
        try:
            async with agent_call(stack, tmp_path, passwords[AGENT], seen) as (
                agent,
                caller,
                call_id,
            ):
                # a phone that does not exist: refused, nothing made
                with pytest.raises(SupervisorUnreachable):
                    await supervision.supervise(call_id, "nobody", "listen")
                assert await supervision_leftovers(stack) == []

                phones = {"caller": caller, "agent": agent, "supervisor": supervisor}
                marks: list[dict[str, int]] = []
                for mode in MODES:
                    began = time.perf_counter()
                    session = await supervision.supervise(call_id, SUPERVISOR, mode)
                    print(f"{mode}: on in {time.perf_counter() - began:.3f} s")
                    assert (session.agent, session.mode) == (AGENT, mode)
                    await seen.first(SupervisionChanged, in_mode(mode), 5)
                    if mode == "listen":
                        assert await supervisor.wait_established(5)
                        # another supervisor cannot take the call meanwhile
                        with pytest.raises(SupervisionBusy):
                            await supervision.supervise(call_id, "someone", "listen")
                    marks.append({name: samples(p) for name, p in phones.items()})
                    await recorded_more(supervisor, PHASE_S, 15)
                marks.append({name: samples(p) for name, p in phones.items()})
                recordings = {name: heard(p) for name, p in phones.items()}

                ended = await supervision.stop(call_id)
                assert ended is not None and ended.supervisor == SUPERVISOR
                off = await seen.first(SupervisionChanged, lambda e: e.mode == "off", 10)
                assert off.agent == AGENT and off.call_id == call_id
                await supervisor.wait_closed(10)  # their leg was hung up...
                assert not caller.closed and not agent.closed  # ...the call goes on
                assert await supervision.stop(call_id) is None

                # again, and this time the supervisor hangs up: the session ends
                await supervision.supervise(call_id, SUPERVISOR, "listen")
                supervisor.hangup()
                again = await seen.first(
                    SupervisionChanged, lambda e: e.mode == "off" and e is not off, 10
                )
                assert again.supervisor == SUPERVISOR and supervision.sessions() == []
                assert not caller.closed and not agent.closed
                caller.hangup()
                await caller.wait_closed(10)
        finally:
            stack.guichet("queues", "logout", AGENT)
    assert await supervision_leftovers(stack) == []
    for name, phone in phones.items():
        # (baresip, now and then, decodes nothing on a call: its log says why)
        recording = recordings[name]
        assert recording is not None and recording.stat().st_size > 44, (
            f"{name} recorded nothing:\n"
            + "\n".join(line for line in phone.log.splitlines()[:400] if "dropping" not in line)[
                -4000:
            ]
        )

    table = {}
    for i, mode in enumerate(MODES):
        table[mode] = {
            name: levels(recordings[name], marks[i][name], marks[i + 1][name]) for name in phones
        }
        print(mode, {k: {t: round(v) for t, v in d.items()} for k, d in table[mode].items()})
    for mode, by_ear in table.items():
        # the supervisor hears both sides in every mode
        assert by_ear["supervisor"]["caller"] > HEARD_DB, (mode, by_ear)
        assert by_ear["supervisor"]["agent"] > HEARD_DB, (mode, by_ear)
        # the caller and the agent hear each other all along
        assert by_ear["caller"]["agent"] > HEARD_DB, (mode, by_ear)
        assert by_ear["agent"]["caller"] > HEARD_DB, (mode, by_ear)
    # who hears the supervisor
    assert table["listen"]["caller"]["supervisor"] < UNHEARD_DB, table["listen"]
    assert table["listen"]["agent"]["supervisor"] < UNHEARD_DB, table["listen"]
    assert table["whisper"]["agent"]["supervisor"] > HEARD_DB, table["whisper"]
    assert table["whisper"]["caller"]["supervisor"] < UNHEARD_DB, table["whisper"]
    assert table["barge"]["agent"]["supervisor"] > HEARD_DB, table["barge"]
    assert table["barge"]["caller"]["supervisor"] > HEARD_DB, table["barge"]
