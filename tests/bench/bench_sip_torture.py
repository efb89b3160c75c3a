"""SIP torture benchmark (not a test): RFC 4475's torture messages and a few thousand
malformed requests at Asterisk's SIP port, then calls with torture caller ids that
reach the call controller. Asterisk and the controller must survive, and a normal call
must work right after. Writes ``sip_torture.json`` under ``--out``.

    .venv/bin/python tests/bench/bench_sip_torture.py --out bench-results [--count 2500]
        [--seed 4475] [--quick]

The stack is the integration tests' (``tests/integration/stack.py``): Asterisk 22 from
the provisioned root on test ports shifted by ``GUICHET_BENCH_PORT_OFFSET`` (default
100), and ``guichet controller run``. Everything stays on loopback.

Method
------
1. UDP, from 127.0.0.1 (the trunk's address: requests that parse go as far as the
   dialplan) and from 127.0.0.2 (anyone else: they stop at the challenge): the 49 RFC
   4475 messages, then ``--count`` malformed requests (``tests/support/sip_torture.py``:
   a valid request with 1-3 seeded mutations; ``--seed`` replays a run). After every 50
   datagrams an OPTIONS to Asterisk must be answered within 10 s (``probes_unanswered``).
2. SIP over WebSocket (Asterisk's HTTP port, ``/ws``): the RFC 4475 messages and a
   tenth of ``--count`` malformed ones, one WebSocket message each, with the same
   probes; a connection Asterisk closes is opened again (``reconnects``).
3. Calls to the city number from the trunk whose From is torture (escaped NULs and
   line breaks, 2 000-character names, right-to-left overrides, quotes): the controller
   answers each, then the caller hangs up.
4. Crashes: Asterisk's pid gone or changed, the controller's process ended, or its
   ARI application no longer registered. Then a normal call (baresip) to the city
   number must be established.

Also recorded: datagrams the kernel dropped at Asterisk's UDP socket (``/proc/net/udp``:
the sender outran it; not a failure), Asterisk's CPU time and RSS, and the answers by
class.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# stack.py reads the port offset when imported: the bench's own ports, not a test run's
os.environ["GUICHET_TEST_PORT_OFFSET"] = os.environ.get("GUICHET_BENCH_PORT_OFFSET", "100")

import httpx  # noqa: E402
import websockets  # noqa: E402

from pbx.credentials import credentials  # noqa: E402
from tests.integration.stack import Stack, start_stack  # noqa: E402
from tests.support import sip_torture  # noqa: E402
from tests.support.machine import machine  # noqa: E402
from tests.support.processes import WatchedProcess  # noqa: E402
from tests.support.sip_caller import place_call  # noqa: E402
from tests.support.sip_raw import SipUdp, parse_response  # noqa: E402

SOURCES = ("127.0.0.1", "127.0.0.2")
PROBE_EVERY = 50
PROBE_TIMEOUT_S = 10.0
PHASE_DEADLINE_S = 300.0


def process_figures(pid: int | None) -> dict[str, Any]:
    """CPU seconds so far and resident memory of ``pid`` (None when it is gone)."""
    if pid is None:
        return {"alive": False}
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {"alive": False}
    ticks = os.sysconf("SC_CLK_TCK")
    rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return {
        "alive": True,
        "cpu_s": round((int(fields[11]) + int(fields[12])) / ticks, 2),
        "rss_kb": int(rss.group(1)) if rss else None,
    }


def udp_drops(port: int) -> int:
    """Datagrams the kernel dropped at the UDP sockets bound to ``port``."""
    drops = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                drops += int(fields[-1])
    return drops


async def udp_phase(stack: Stack, source: str, count: int, seed: int) -> dict[str, Any]:
    async with SipUdp((stack.sip_host, stack.sip_port), source_ip=source) as sip:
        to = sip_torture.Addresses(stack.sip_host, stack.sip_port, source, sip.local_port)
        messages = sip_torture.rfc4475(to) + sip_torture.malformed(seed, count, to)
        report = await sip_torture.send(
            sip,
            messages,
            probe_every=PROBE_EVERY,
            probe_timeout_s=PROBE_TIMEOUT_S,
            deadline_s=PHASE_DEADLINE_S,
        )
    return report.as_json()


def _options(call_id: str) -> bytes:
    return (
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/WS probe.invalid;rport;branch=z9hG4bK{secrets.token_hex(6)}\r\n"
        "From: <sip:probe@probe.invalid>;tag=p\r\nTo: <sip:127.0.0.1>\r\n"
        f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()


async def websocket_phase(stack: Stack, count: int, seed: int) -> dict[str, Any]:
    """The RFC messages and ``count`` malformed ones over SIP-over-WebSocket."""
    url = f"ws://{stack.settings.http_bind_host}:{stack.settings.http_port}/ws"
    # the Via/Contact addresses are never used to answer over a WebSocket
    to = sip_torture.Addresses(stack.sip_host, stack.sip_port, "127.0.0.1", 9)
    messages = sip_torture.rfc4475(to) + sip_torture.malformed(seed, count, to)
    figures: dict[str, Any] = {"sent": 0, "probes": 0, "probes_unanswered": 0}
    figures |= {"reconnects": 0, "responses": {}}
    started = time.monotonic()
    index = 0
    while index < len(messages) and time.monotonic() - started < PHASE_DEADLINE_S:
        try:
            # close_timeout: Asterisk does not answer a close frame, and each reconnect
            # would wait the default 10 s for it
            async with websockets.connect(
                url,
                subprotocols=["sip"],  # type: ignore[list-item]
                max_size=None,
                close_timeout=1,
            ) as ws:
                while index < len(messages):
                    await ws.send(messages[index][1])
                    figures["sent"] += 1
                    index += 1
                    if index % PROBE_EVERY == 0 or index == len(messages):
                        figures["probes"] += 1
                        if not await _ws_probe(ws, figures["responses"]):
                            figures["probes_unanswered"] += 1
        except (websockets.ConnectionClosed, OSError):
            figures["reconnects"] += 1  # Asterisk closed it: open another one
    figures["seconds"] = round(time.monotonic() - started, 2)
    figures["stopped_early"] = index < len(messages)
    return figures


async def _ws_probe(ws: Any, responses: dict[str, int]) -> bool:
    """Send an OPTIONS and read until its answer (counting the others on the way)."""
    call_id = f"probe-{secrets.token_hex(6)}"
    await ws.send(_options(call_id))

    async def answered() -> bool:
        while True:
            frame = await ws.recv()
            data = frame if isinstance(frame, bytes) else frame.encode()
            reply = parse_response(data)
            key = "other" if reply is None else f"{reply.status // 100}xx"
            responses[key] = responses.get(key, 0) + 1
            if reply is not None and reply.header("call-id") == call_id:
                return True

    try:
        return await asyncio.wait_for(answered(), PROBE_TIMEOUT_S)
    except TimeoutError:
        return False


async def ari_app_registered(stack: Stack) -> bool:
    creds = credentials(stack.settings)
    async with httpx.AsyncClient(auth=(creds.ari_user, creds.ari_password), timeout=5) as ari:
        try:
            reply = await ari.get(
                f"{stack.settings.ari_base_url}/ari/applications/{stack.settings.ari_app}"
            )
        except httpx.HTTPError:
            return False
    return reply.status_code == 200


async def bench(work: Path, count: int, seed: int) -> dict[str, Any]:
    stack = start_stack(work / "home")
    controller: WatchedProcess | None = None
    try:
        controller = await stack.start_controller()
        pid = stack.asterisk.status().pid
        before = process_figures(pid)
        drops_before = udp_drops(stack.sip_port)
        started = time.monotonic()
        udp = [await udp_phase(stack, source, count, seed + n) for n, source in enumerate(SOURCES)]
        ws = await websocket_phase(stack, max(1, count // 10), seed + 100)
        async with SipUdp((stack.sip_host, stack.sip_port), source_ip="127.0.0.1") as sip:
            odd = await sip_torture.odd_callers(sip, stack.settings.city_number)
        torture_s = time.monotonic() - started
        after = process_figures(pid)
        pid_after = stack.asterisk.status().pid
        asterisk_crashed = pid_after != pid or not after.get("alive", False)
        controller_crashed = controller.returncode is not None
        app_registered = await ari_app_registered(stack)
        call = await place_call(
            stack.sip_target(stack.settings.city_number), listen_s=3, workdir=work / "call"
        )
        started_calls = len(re.findall(r"call \S+ started", controller.output))
        tracebacks = controller.output.count("Traceback")
        log_text = stack.asterisk.log_file.read_text(errors="replace")
    finally:
        exit_code = await controller.stop() if controller is not None else None
        stack.asterisk.stop()
    sent = sum(int(r["sent"]) for r in udp) + int(ws["sent"])
    crashes = int(asterisk_crashed) + int(controller_crashed or not app_registered)
    return {
        "messages_sent": sent,
        "crashes": crashes,
        "normal_call_after": call.established,
        "normal_call_setup_s": None if call.setup_s is None else round(call.setup_s, 3),
        "torture_s": round(torture_s, 1),
        "udp": udp,
        "websocket": ws,
        "odd_callers": {"statuses": odd, "calls_the_controller_started": started_calls},
        "probes_unanswered": sum(int(r["probes_unanswered"]) for r in udp)
        + int(ws["probes_unanswered"]),
        "kernel_udp_drops": udp_drops(stack.sip_port) - drops_before,
        "asterisk": {
            "pid_before": pid,
            "pid_after": pid_after,
            "crashed": asterisk_crashed,
            "cpu_s": round(float(after.get("cpu_s", 0)) - float(before.get("cpu_s", 0)), 2),
            "rss_kb_before": before.get("rss_kb"),
            "rss_kb_after": after.get("rss_kb"),
            "log_errors": len(re.findall(r"\bERROR\[", log_text)),
            "log_warnings": len(re.findall(r"\bWARNING\[", log_text)),
        },
        "controller": {
            "crashed": controller_crashed,
            "ari_app_registered": app_registered,
            "tracebacks": tracebacks,
            "exit_code_on_stop": exit_code,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=2500, help="malformed requests per source")
    parser.add_argument("--seed", type=int, default=4475)
    parser.add_argument("--quick", action="store_true", help="--count 300")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    count = 300 if args.quick else args.count
    work = Path(tempfile.mkdtemp(prefix="bench-sip-torture-"))
    started = time.perf_counter()
    try:
        figures = asyncio.run(bench(work, count, args.seed))
    finally:
        if args.keep:
            print(f"kept in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "benchmark": "sip_torture",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "method": {
            "seed": args.seed,
            "malformed_per_source": count,
            "sources": list(SOURCES),
            "rfc4475_messages": len(sip_torture.RFC4475),
            "websocket_malformed": max(1, count // 10),
            "odd_callers": len(sip_torture.ODD_CALLERS),
            "probe_every": PROBE_EVERY,
            "probe_timeout_s": PROBE_TIMEOUT_S,
        },
        "wall_s": round(time.perf_counter() - started, 1),
        **figures,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sip_torture.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    brief = {
        k: report[k]
        for k in (
            "messages_sent",
            "crashes",
            "normal_call_after",
            "probes_unanswered",
            "kernel_udp_drops",
            "torture_s",
            "wall_s",
        )
    }
    print(json.dumps(brief, ensure_ascii=False))
    if report["crashes"] or not report["normal_call_after"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
