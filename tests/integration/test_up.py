"""``guichet up`` brings the whole stack up, says "ready", answers ``guichet status``,
answers a call with the voicebot — which a browser on the web app's event feed sees,
typed, as it happens — and leaves nothing behind on SIGINT (what Ctrl-C sends); a
second one on the same data directory or ports says so in one line; after a crash
the next one owns, and stops, the Asterisk the crashed one started; a fresh data
directory needs no step before it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from guichet.settings import load_settings
from pbx.asterisk_process import ChrootAsterisk, root_lock
from pbx.asterisk_root import mounted_under
from tests.integration.stack import GUICHET, shared_asterisk_root, stack_env
from tests.support.processes import WatchedProcess
from tests.support.sip_caller import place_call
from tests.support.transcribe import transcribe, transcribe_words
from tests.web.login import session_cookie

pytestmark = pytest.mark.asterisk

_OFFSET = int(os.environ.get("GUICHET_TEST_PORT_OFFSET", "0"))
UP_PORTS = {
    "sip_port": str(26060 + _OFFSET),
    "http_port": str(26088 + _OFFSET),
    "ami_port": str(26038 + _OFFSET),
    "web_port": str(26080 + _OFFSET),
    "agi_port": str(26573 + _OFFSET),
    "rtp_start": str(23000 + 10 * _OFFSET),
    "rtp_end": str(23999 + 10 * _OFFSET),
}
SIP = f"127.0.0.1:{UP_PORTS['sip_port']}"


async def admin_session(home: Path) -> dict[str, str]:
    """The first admin, made at first run with the password in secrets.json, logs in
    through the login form as a browser does."""
    password = json.loads((home / "secrets.json").read_text())["admin_password"]
    base = f"http://127.0.0.1:{UP_PORTS['web_port']}"
    return {"Cookie": await session_cookie(base, "admin", password)}


async def events_until(ws: ClientConnection, last: str, within_s: float) -> list[dict[str, Any]]:
    """The events the feed sends, up to and including the first of type ``last``."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(within_s):
        while not seen or seen[-1]["type"] != last:
            seen.append(json.loads(await ws.recv()))
    return seen


def asterisk_processes() -> list[str]:
    out = subprocess.run(["pgrep", "-af", "asterisk -C"], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if "/usr/sbin/asterisk" in line]


def instance_processes(env: dict[str, str]) -> list[str]:
    """The Asterisk processes of this data directory's instance (other engineers'
    test runs share the machine and the root: theirs are not ours to count)."""
    instance = ChrootAsterisk(load_settings(env)).instance
    return [line for line in asterisk_processes() if f"/var/lib/guichet/{instance}/" in line]


def asterisks_in(root: Path) -> list[int]:
    """Pids of the Asterisk processes chrooted into ``root``, whoever started them."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() == "asterisk" and Path(
                os.readlink(proc / "root")
            ) == root.resolve():
                pids.append(int(proc.name))
        except OSError:
            continue  # gone meanwhile
    return pids


def assert_nothing_left(env: dict[str, str]) -> None:
    """No Asterisk of this data directory runs, and the root is unmounted unless
    another instance (someone else's) still runs in it."""
    assert instance_processes(env) == []
    root = shared_asterisk_root()
    # under the root's lock no other run is midway through a start or a stop
    with root_lock(root):
        mounts = mounted_under(root)
        others = asterisks_in(root)
    assert mounts == [] or others, mounts


def sip_passwords(home: Path) -> list[str]:
    return list(json.loads((home / "secrets.json").read_text())["sip_accounts"].values())


async def test_up_status_call_and_clean_stop(tmp_path: Path, demo_kb_index: Path) -> None:
    home = tmp_path / "home"
    env = stack_env(home, kb_index=str(demo_kb_index), **UP_PORTS)
    # night: the voicebot answers whatever the clock says (set before start: kept)
    mode = subprocess.run([GUICHET, "mode", "night"], env=env, capture_output=True, text=True)
    assert mode.returncode == 0, mode.stdout + mode.stderr
    up = await WatchedProcess([GUICHET, "up"], env).start()
    try:
        await up.wait_for_line(r"^ready$", timeout=90)
        assert f"sip:3000@{SIP}" in up.output
        assert f"http://127.0.0.1:{UP_PORTS['web_port']}/" in up.output
        assert "mode night" in up.output
        assert "SMS          log only" in up.output
        # the banner says where the SIP passwords are, never what they are
        assert f"SIP accounts 1001, 1002  (passwords in {home}/secrets.json)" in up.output
        passwords = sip_passwords(home)
        assert passwords and not [p for p in passwords if p in up.output], up.output

        status = subprocess.run([GUICHET, "status"], env=env, capture_output=True, text=True)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "controller  connected" in status.stdout
        assert "web app     up" in status.stdout
        assert f"first admin admin: its first password is admin_password in {home}" in up.output

        feed = f"ws://127.0.0.1:{UP_PORTS['web_port']}/api/events"
        async with connect(feed, additional_headers=await admin_session(home)) as ws:
            snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert snapshot["type"] == "snapshot" and snapshot["calls"] == []
            result = await place_call(f"3000@{SIP}", listen_s=8, workdir=tmp_path)
            events = await events_until(ws, "call.ended", within_s=30)
        assert result.established and result.recording is not None, result.log
        kinds = [e["type"] for e in events]
        for kind in ("call.started", "call.answered", "call.routed", "call.ended"):
            assert kind in kinds, kinds
        started = events[kinds.index("call.started")]
        routed = events[kinds.index("call.routed")]
        assert routed["target"] == "voicebot" and routed["mode"] == "night", routed
        assert routed["call_id"] == started["call_id"] and routed["case_id"]
        # the bot's own turns are published, by whom and with what it said
        bot_turns = [e for e in events if e["type"] == "call.turn_transcribed"]
        assert bot_turns and all(e["speaker"] == "bot" for e in bot_turns), bot_turns
        assert "Bonjour" in bot_turns[0]["text"], bot_turns[0]
        greeting = transcribe(result.recording, "fr").lower()
        # the voicebot's greeting: "Bonjour, vous êtes bien à la mairie… Posez-moi…"
        assert "bonjour" in greeting and "posez" in greeting, greeting
        # …and the caller is invited to ask within 6 s (the recording starts with the
        # first audio received, a fraction of a second after the answer)
        words = transcribe_words(result.recording, "fr")
        invite_end = next(end for word, _, end in words if "question" in word.lower())
        assert invite_end <= 6.0, words
    finally:
        up.send_signal(signal.SIGINT)
        code = await up.wait(timeout=30)

    assert code == 0, up.output
    assert "Guichet stopped." in up.output
    # nothing left, though a developer's own `make run` may share the root
    assert_nothing_left(env)
    after = subprocess.run([GUICHET, "status"], env=env, capture_output=True, text=True)
    assert after.returncode != 0


async def start_up(env: dict[str, str]) -> WatchedProcess:
    up = await WatchedProcess([GUICHET, "up"], env).start()
    await up.wait_for_line(r"^ready$", timeout=90)
    return up


async def stop_up(up: WatchedProcess) -> None:
    up.send_signal(signal.SIGINT)
    code = await up.wait(timeout=30)
    assert code == 0, up.output
    assert "Guichet stopped." in up.output


async def refused(env: dict[str, str]) -> tuple[int, list[str]]:
    """Run a second ``guichet up`` to its end: its exit status and output lines."""
    second = await WatchedProcess([GUICHET, "up"], env).start()
    code = await second.wait(timeout=60)
    return code, second.lines


async def test_a_second_up_on_the_same_home_or_ports_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    env = stack_env(tmp_path / "home", **UP_PORTS)
    first = await start_up(env)
    try:
        # the same data directory
        code, lines = await refused(env)
        assert code != 0
        assert len(lines) == 1 and "already running" in lines[0], lines
        assert str(tmp_path / "home") in lines[0] and "Traceback" not in lines[0]
        # another data directory, the same ports: refused before it starts Asterisk
        other = stack_env(tmp_path / "other-home", **UP_PORTS)
        code, lines = await refused(other)
        assert code != 0
        assert len(lines) == 1 and "already in use" in lines[0], lines
        assert f":{UP_PORTS['web_port']}" in lines[0]
        assert instance_processes(other) == []
        # its own web and FastAGI ports, Asterisk's taken: an Asterisk started there
        # would run deaf (it only logs a failed bind), so it is not started at all
        own_ports = {**UP_PORTS, "web_port": str(26081 + _OFFSET), "agi_port": "0"}
        third = stack_env(tmp_path / "third-home", **own_ports)
        code, lines = await refused(third)
        assert code != 0
        assert len(lines) == 1 and "already in use" in lines[0], lines
        assert f"SIP port 127.0.0.1:{UP_PORTS['sip_port']}" in lines[0]
        assert instance_processes(third) == []
        # the first one noticed nothing: still up, still recorded, still owning
        status = subprocess.run([GUICHET, "status"], env=env, capture_output=True, text=True)
        assert status.returncode == 0, status.stdout + status.stderr
        record = json.loads((tmp_path / "home" / "run" / "up.json").read_text())
        assert record["pid"] != 0 and record["started_by_guichet"] is True
    finally:
        await stop_up(first)
    assert_nothing_left(env)


async def test_after_a_crash_the_next_up_owns_and_stops_the_asterisk_left_behind(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    env = stack_env(home, **UP_PORTS)
    crashed = await start_up(env)
    try:
        left_behind = instance_processes(env)
        record = json.loads((home / "run" / "up.json").read_text())
    finally:
        await crashed.kill()  # SIGKILL: no clean-up of any kind
    assert len(left_behind) == 1, left_behind
    assert instance_processes(env) == left_behind  # Asterisk outlives it

    restarted = await start_up(env)
    try:
        assert instance_processes(env) == left_behind  # the same one, not a second
    finally:
        await stop_up(restarted)
    assert_nothing_left(env)
    assert not (home / "run" / "up.json").exists()
    # what let the second one know: the first recorded the Asterisk it started
    assert record.get("started_by_guichet") is True, record
    assert str(record.get("asterisk_pid")) == left_behind[0].split()[0], record
    assert "taking it over" in restarted.output


async def test_a_fresh_data_directory_starts_with_no_step_before(tmp_path: Path) -> None:
    home = tmp_path / "var-lib-guichet"
    env = stack_env(home, **UP_PORTS)
    # nothing prepared for it: the models come with the installation
    del env["GUICHET_MODELS_DIR"]
    up = await start_up(env)
    try:
        assert "Whisper" not in up.output, up.output
        assert not (home / "models").exists()  # not assembled per data directory
    finally:
        await stop_up(up)
    assert_nothing_left(env)
