"""``guichet up`` brings the whole stack up, says "ready", answers ``guichet status``,
answers a call with the voicebot — which a browser on the web app's event feed sees,
typed, as it happens — and leaves nothing behind on SIGINT (what Ctrl-C sends)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from pbx.asterisk_root import mounted_under
from tests.integration.stack import GUICHET, shared_asterisk_root, stack_env
from tests.support.processes import WatchedProcess
from tests.support.sip_caller import place_call
from tests.support.transcribe import transcribe, transcribe_words

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


def basic_auth(home: Path) -> dict[str, str]:
    password = json.loads((home / "secrets.json").read_text())["admin_password"]
    token = base64.b64encode(f"admin:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


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


async def test_up_status_call_and_clean_stop(tmp_path: Path, demo_kb_index: Path) -> None:
    root = shared_asterisk_root()
    before = asterisk_processes()  # a developer's own `make run`, say
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

        status = subprocess.run([GUICHET, "status"], env=env, capture_output=True, text=True)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "controller  connected" in status.stdout

        feed = f"ws://127.0.0.1:{UP_PORTS['web_port']}/api/events"
        async with connect(feed, additional_headers=basic_auth(home)) as ws:
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
    assert asterisk_processes() == before
    if not before:
        assert mounted_under(root) == []
    after = subprocess.run([GUICHET, "status"], env=env, capture_output=True, text=True)
    assert after.returncode != 0
