"""``guichet up`` brings the whole stack up, says "ready", answers ``guichet status``,
takes a call, and leaves nothing behind on SIGINT (what Ctrl-C sends)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from pbx.asterisk_root import mounted_under
from tests.integration.stack import GUICHET, shared_asterisk_root, stack_env
from tests.support.audio import best_correlation, gsm_to_wav, read_wav
from tests.support.processes import WatchedProcess
from tests.support.sip_caller import place_call

pytestmark = pytest.mark.asterisk

UP_PORTS = {
    "sip_port": "26060",
    "http_port": "26088",
    "ami_port": "26038",
    "web_port": "26080",
    "rtp_start": "23000",
    "rtp_end": "23999",
}


def asterisk_processes() -> list[str]:
    out = subprocess.run(["pgrep", "-af", "asterisk -C"], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if "/usr/sbin/asterisk" in line]


async def test_up_status_call_and_clean_stop(tmp_path: Path) -> None:
    root = shared_asterisk_root()
    before = asterisk_processes()  # a developer's own `make run`, say
    home = tmp_path / "home"
    env = stack_env(home, **UP_PORTS)
    up = await WatchedProcess([GUICHET, "up"], env).start()
    try:
        await up.wait_for_line(r"^ready$", timeout=60)
        assert "sip:3000@127.0.0.1:26060" in up.output
        assert "http://127.0.0.1:26080/" in up.output

        status = subprocess.run([GUICHET, "status"], env=env, capture_output=True, text=True)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "controller  connected" in status.stdout

        result = await place_call("3000@127.0.0.1:26060", listen_s=6, workdir=tmp_path)
        assert result.established and result.recording is not None, result.log
        heard, rate = read_wav(result.recording)
        sounds = root / "usr/share/asterisk/sounds/fr"
        greeting, _ = read_wav(gsm_to_wav(sounds / "hello-world.gsm", tmp_path / "g.wav"))
        assert best_correlation(heard, greeting, rate)[0] > 0.8
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
