"""Click-to-call end to end against the real Asterisk 22: an expert clicks "call" on a
callback (the real web route), their phone rings first and answers (a baresip
auto-answer phone standing for the expert's endpoint: the test accounts are plain
SIP, the desk accounts' own endpoints WebRTC), then Asterisk dials the number stored
on the callback through the outbound trunk, and the local "public network" (a
baresip on another port of 127.0.0.1, the line of that number) receives the call
FROM the trunk with the stored number as the dialled number, in the trunk's form
(the dial rules: +33 6… → 06…). A forged request (another number in the body,
another service's callback) dials nothing else: the public network sees one INVITE
in all. Then the outcomes: a no-answer schedules the next attempt, the last one
writes the SMS row."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agent_softphone.app import AppState, create_app
from agent_softphone.auth import CSRF_HEADER
from guichet.bus import InMemoryBus
from guichet.casefile.attempts import CallbackAttempts, failed_callback_sms_key
from guichet.casefile.callbacks import CallbackBook
from guichet.store import Store
from guichet.store.models import CallbackAttempt, SmsOutboxRow
from pbx.asterisk_process import load_secrets
from pbx.click_to_call import DialRules, PbxClickToCall
from pbx.credentials import credentials
from tests.integration.stack import Stack, start_stack
from tests.support.seeds import seed_callback
from tests.support.sip_caller import (
    BARESIP,
    AgentPhone,
    BaresipError,
    CallSession,
    _write_config,
    free_sip_port,
    prepare_microphone,
)
from tests.web.login import add_account, log_in

pytestmark = pytest.mark.asterisk

STORED = "+33612345678"  # the number on the callback
DIALLED = "0612345678"  # as the trunk gets it (dial rule +33=0)
FORGED = "+33899123456"  # what a forged request asks for
CITY = "+33100000000"  # the caller ID the city presents
PASSWORD = "click to call password"
_INVITE = re.compile(r"^INVITE sip:(?P<user>[^@\s]+)@")


class PublicLine(CallSession):
    """The citizen's line on the local "public network": a baresip on a fixed port
    that answers calls to its own number only (404 for any other) and traces every
    SIP request it gets (``-s``), so that every INVITE's dialled number is seen."""

    def __init__(self, number: str, port: int, *, workdir: Path) -> None:
        super().__init__(f"{number}@127.0.0.1:{port}", workdir=workdir, user=number)
        self.number = number
        self.fixed_port = port
        self._dial_command = ""
        self.invited: list[str] = []
        self.trace: list[str] = []

    async def __aenter__(self) -> PublicLine:
        await self.start()
        return self

    def _account(self) -> str:
        return f"<sip:{self.number}@127.0.0.1:{self.fixed_port}>;regint=0;answermode=auto"

    def _on_line(self, raw: str) -> None:
        line = re.sub(r"\x1b\[[0-9;]*m", "", raw).strip()
        self.trace.append(line)
        found = _INVITE.match(line)
        if found:
            self.invited.append(found.group("user"))
        super()._on_line(raw)

    async def start(self) -> CallSession:
        if shutil.which(BARESIP) is None:
            raise BaresipError("baresip is not installed")
        mic = prepare_microphone(None, self.max_duration_s + 5.0, self.dir / "mic.wav")
        self.port = self.fixed_port
        _write_config(
            self.dir / "conf",
            listen=f"127.0.0.1:{self.port}",
            mic=mic,
            dumps=self.dumps,
            account=self._account(),
        )
        self._t0 = time.monotonic()
        self._proc = await asyncio.create_subprocess_exec(
            BARESIP,
            "-f",
            str(self.dir / "conf"),
            "-s",
            "-t",
            str(int(self.max_duration_s + 10)),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = asyncio.create_task(self._read_output())
        await self.wait_for_line(r"baresip is ready", 10)
        return self


@pytest.fixture(scope="module")
def public_port() -> int:
    return free_sip_port("127.0.0.1")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, demo_kb_index: Path, public_port: int
) -> Iterator[Stack]:
    """Asterisk with the outbound trunk pointing at the public network's port."""
    running = start_stack(
        tmp_path_factory.mktemp("guichet-home"),
        kb_index=str(demo_kb_index),
        outbound_trunk_host="127.0.0.1",
        outbound_trunk_port=str(public_port),
        outbound_caller_id=CITY,
        callback_max_attempts="2",
    )
    try:
        yield running
    finally:
        running.asterisk.stop()


async def test_click_to_call_reaches_the_stored_number_through_the_trunk(
    stack: Stack, store: Store, public_port: int, tmp_path: Path
) -> None:
    settings = stack.settings
    creds = credentials(settings)
    # the expert's endpoint, played by the SIP test account 1001's phone
    click = PbxClickToCall(
        settings.ari_base_url,
        creds.ari_user,
        creds.ari_password,
        rules=DialRules.parse(settings.outbound_dial_rules),
        ring_s=settings.outbound_ring_expert_s,
        endpoint_of=lambda _account: "PJSIP/1001",
    )
    always_open = CallbackBook(
        store,
        tz=ZoneInfo("UTC"),
        open_slots=lambda after: iter([(after, after + timedelta(days=30))]),
    )
    state = AppState(
        store,
        {},
        bus=InMemoryBus(),
        settings=settings,
        click_to_call=click,
        callback_attempts=CallbackAttempts.from_settings(store, settings, always_open),
    )
    add_account(store, "zoe", "expert", services=("etat-civil",), password=PASSWORD)
    mine = seed_callback(store, "etat-civil", STORED)
    theirs = seed_callback(store, "urbanisme", "+33698765432")
    web = TestClient(create_app(state))
    csrf = {CSRF_HEADER: await asyncio.to_thread(log_in, web, "zoe", PASSWORD)}

    def post(path: str, body: object = None) -> tuple[int, dict[str, object]]:
        reply = web.post(path, json=body, headers=csrf)
        return reply.status_code, reply.json()

    secret = load_secrets(settings).sip_accounts["1001"]
    target = f"{stack.sip_host}:{stack.sip_port}"
    async with (
        PublicLine(DIALLED, public_port, workdir=tmp_path) as line,
        AgentPhone(target, user="1001", password=secret, workdir=tmp_path) as expert,
    ):
        await expert.wait_registered(10)
        # a forged request: another number in the body, and another service's callback
        forged, _ = await asyncio.to_thread(
            post, f"/api/callbacks/{theirs}/call", {"number": FORGED}
        )
        assert forged == 403
        code, body = await asyncio.to_thread(
            post, f"/api/callbacks/{mine}/call", {"number": FORGED, "callback_id": theirs}
        )
        assert code == 200, body
        assert await expert.wait_established(20), expert.log  # the expert's phone first
        assert await line.wait_established(20), line.log  # then the citizen's line
        assert line.invited == [DIALLED]
        # the call came from the trunk, presenting the city's number
        assert any(CITY in t for t in line.trace if t.lower().startswith("p-asserted")), line.log
        expert.hangup()
        await line.wait_closed(10)
    assert line.invited == [DIALLED]  # nothing else was dialled, ever
    assert FORGED[3:] not in " ".join(line.trace)

    first_code, first = await asyncio.to_thread(
        post, f"/api/callbacks/{mine}/outcome", {"outcome": "no_answer"}
    )
    assert first_code == 200 and first["next_due_by"] and not first["given_up"]
    last_code, last = await asyncio.to_thread(
        post, f"/api/callbacks/{mine}/outcome", {"outcome": "no_answer"}
    )
    assert last_code == 200 and last["given_up"] and last["sms_queued"]
    with store.session() as session:
        attempts = session.scalars(
            select(CallbackAttempt).where(CallbackAttempt.callback_id == mine)
        ).all()
        assert [a.outcome for a in attempts] == ["no_answer", "no_answer"]
        assert attempts[0].channel_id == body["channel_id"]
        sms = session.scalars(
            select(SmsOutboxRow).where(
                SmsOutboxRow.idempotency_key == failed_callback_sms_key(mine)
            )
        ).one()
        assert sms.to_number == STORED
