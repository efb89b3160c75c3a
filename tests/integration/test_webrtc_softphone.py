"""The browser softphone's plumbing, all real: accounts in the store, their WebRTC
endpoints rendered into a real Asterisk 22, the real web app (uvicorn) relaying SIP
over its own ``/sip`` websocket, JsSIP (the bundle ``make setup`` builds) in Debian's
headless Chromium with a WAV as its microphone, and baresip answering as a SIP phone.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from playwright.async_api import Page

from agent_softphone.sip.routes import JSSIP_BUNDLE
from agent_softphone.state import AppState
from guichet.accounts import AccountRepository
from guichet.shell.tls import WebTls, self_signed
from pbx.asterisk_process import load_secrets
from tests.integration.web_side import WebStack, serve_web, stack_with_accounts
from tests.support.audio import active_seconds, dominant_frequency, read_wav, tone
from tests.support.browser import OpenPage, browser_pages
from tests.support.sip_caller import AgentPhone, BaresipError
from tests.support.sip_raw import Dialog, SipUdp

PASSWORD = "correct horse battery staple"
BROWSER_TONE_HZ = 660.0  # what the browser's fake microphone plays
PHONE_TONE_HZ = 440.0  # what the baresip phone sends back
PHONE = "1001"


Desk = WebStack


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """Accounts first (alice, bob and dave, agents; eve, disabled), then Asterisk
    renders their endpoints at its start. Nobody registers as dave."""
    if not JSSIP_BUNDLE.is_file():
        raise RuntimeError(f"{JSSIP_BUNDLE} missing: `make setup` builds it (mk/web.mk)")

    def add(accounts: AccountRepository) -> None:
        for name in ("alice", "bob", "dave", "eve"):
            accounts.add(name, "agent", password=PASSWORD)
        accounts.disable("eve")

    with stack_with_accounts(tmp_path_factory.mktemp("webrtc-home"), add) as desk:
        yield desk


@pytest.fixture
async def browser_login(tmp_path: Path) -> AsyncIterator[OpenPage]:
    async with browser_pages(tmp_path) as open_page:
        yield open_page


def web_app(desk: Desk, tls: WebTls | None = None) -> contextlib.AbstractAsyncContextManager[None]:
    """The real web app on the stack's web port (HTTPS with ``tls``)."""
    state = AppState(desk.store, settings=desk.stack.settings, tls=tls is not None)
    return serve_web(desk, state, tls_files=(tls.cert, tls.key) if tls else None)


def pjsip(desk: Desk, command: str) -> str:
    return desk.stack.asterisk.cli(f"pjsip {command}")


# --- the endpoints Asterisk holds ---


def test_active_accounts_get_webrtc_endpoints(desk: Desk) -> None:
    alice = pjsip(desk, "show endpoint alice")
    assert "webrtc" in alice and "dtls" in alice, alice
    assert "transport-ws" in alice
    assert "Unable to find" in pjsip(desk, "show endpoint eve")  # disabled: not rendered


async def test_account_name_from_trunk_address_is_challenged(desk: Desk) -> None:
    """127.0.0.1 is a trunk address; an INVITE naming alice from there is alice's,
    challenged for her password, never the trunk's (which needs none)."""
    target = (desk.stack.sip_host, desk.stack.sip_port)
    async with SipUdp(target, source_ip="127.0.0.1") as sip:
        as_alice = await sip.invite(desk.stack.settings.echo_number, from_user="alice")
        assert not isinstance(as_alice, Dialog)
        assert as_alice.status == 401, as_alice
        # the same request from a user that is no account is the trunk's: answered
        as_trunk = await sip.invite(desk.stack.settings.echo_number, from_user="caller")
        assert isinstance(as_trunk, Dialog), as_trunk
        await sip.request(as_trunk.bye())


# --- the browser: register through /sip, call, audio both ways ---

REGISTER_JS = """
async () => {
  const reply = await fetch('/api/me/sip');
  const conf = await reply.json();
  if (!reply.ok) throw new Error('GET /api/me/sip: ' + reply.status + ' ' + JSON.stringify(conf));
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(conf.ws_url)],
    uri: conf.uri, password: conf.password, authorization_user: conf.user,
    display_name: conf.display_name, register: true, session_timers: false,
  });
  window.ua = ua;
  await new Promise((resolve, reject) => {
    ua.on('registered', resolve);
    ua.on('registrationFailed', (e) => reject(new Error('registration failed: ' + e.cause)));
    ua.start();
  });
  return conf;
}
"""

CALL_JS = """
async (target) => {
  const session = window.ua.call(target, {
    mediaConstraints: {audio: true, video: false},
    pcConfig: {iceServers: []},
  });
  window.session = session;
  session.connection.addEventListener('track', (e) => {
    const audio = new Audio();  // played, as a softphone does (and keeps it decoded)
    audio.srcObject = e.streams[0];
    audio.play();
  });
  await new Promise((resolve, reject) => {
    session.on('confirmed', resolve);
    session.on('failed', (e) => reject(new Error('call failed: ' + e.cause)));
  });
}
"""

STATS_JS = """
async () => {
  const pc = window.session.connection;
  const out = {ice: pc.iceConnectionState, connection: pc.connectionState};
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.received = s.packetsReceived; out.lost = s.packetsLost;
      out.energy = s.totalAudioEnergy; out.duration = s.totalSamplesDuration;
    }
    if (s.type === 'outbound-rtp' && s.kind === 'audio') out.sent = s.packetsSent;
    if (s.type === 'transport') out.dtls = s.dtlsState;
    if (s.type === 'codec' && s.mimeType && s.mimeType.startsWith('audio/')) out.codec = s.mimeType;
  });
  return out;
}
"""

# WebRTC has no event for "N packets went by": read the counters until they have, or
# until a deadline, in the page (what Playwright's wait_for_function does, for a
# condition that is itself asynchronous)
WAIT_FOR_MEDIA_JS = (
    """
async (packets) => {
  const stats = """
    + STATS_JS
    + """;
  const deadline = Date.now() + 20000;
  for (;;) {
    const s = await stats();
    if ((s.received >= packets && s.sent >= packets) || Date.now() > deadline) return s;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
"""
)


async def register(page: Page) -> dict[str, Any]:
    conf: dict[str, Any] = await page.evaluate(REGISTER_JS)
    return conf


async def test_browser_registers_through_the_app_and_audio_flows_both_ways(
    desk: Desk, browser_login: OpenPage, tmp_path: Path
) -> None:
    mic = tmp_path / "browser-mic.wav"
    tone(BROWSER_TONE_HZ, 4.0, 48000, amplitude=0.3, path=mic)
    phone_in = tmp_path / "phone-in.wav"
    tone(PHONE_TONE_HZ, 30.0, 8000, amplitude=0.3, path=phone_in)
    password = load_secrets(desk.stack.settings).sip_accounts[PHONE]
    registrar = f"{desk.stack.sip_host}:{desk.stack.sip_port}"
    async with (
        web_app(desk),
        AgentPhone(
            registrar, user=PHONE, password=password, workdir=tmp_path, audio_in=phone_in
        ) as phone,
    ):
        await phone.wait_registered(10)
        page = await browser_login(desk.base_url, "alice", PASSWORD, microphone=mic)
        await page.add_script_tag(url="/static/vendor/jssip.js")
        conf = await register(page)
        assert conf["user"] == "alice"
        assert conf["ws_url"] == f"ws://127.0.0.1:{desk.stack.settings.web_port}/sip"
        # Asterisk holds alice's binding, made through the relay
        assert "alice" in pjsip(desk, "show contacts")
        await page.evaluate(CALL_JS, f"sip:{PHONE}@127.0.0.1")
        assert await phone.wait_established(10)
        # 3 s of audio each way, by the browser's own counters
        stats = await page.evaluate(WAIT_FOR_MEDIA_JS, 150)
        await page.evaluate("window.session.terminate()")
        await phone.wait_closed(10)
    # ICE and DTLS connected, media both ways, nothing lost on loopback
    assert stats["ice"] in ("connected", "completed"), stats
    assert stats["connection"] == "connected" and stats["dtls"] == "connected", stats
    assert stats.get("lost", 0) == 0, stats
    assert stats["energy"] > 0.01, stats  # the phone's tone reached the browser
    # the phone heard the browser's microphone: its tone, for most of the call
    result = phone.result()
    assert result.recording is not None, result.log
    heard, rate = read_wav(result.recording)
    assert active_seconds(heard, rate) > 2.0, result.log
    assert abs(dominant_frequency(heard, rate) - BROWSER_TONE_HZ) < 10, stats


async def test_over_tls_the_page_and_its_sip_share_one_origin(
    desk: Desk, browser_login: OpenPage, tmp_path: Path
) -> None:
    """Served over HTTPS (a self-signed certificate, as a first start off loopback
    makes), the page registers over wss:// to the same host and port."""
    tls = self_signed(tmp_path / "tls", "127.0.0.1")
    base_url = desk.base_url.replace("http://", "https://")
    async with web_app(desk, tls):
        page = await browser_login(base_url, "bob", PASSWORD)
        cookies = await page.context.cookies(base_url)
        assert all(c["secure"] for c in cookies if c["name"] == "guichet_session"), cookies
        await page.add_script_tag(url="/static/vendor/jssip.js")
        conf = await register(page)
        assert conf["ws_url"] == f"wss://127.0.0.1:{desk.stack.settings.web_port}/sip"
        assert "bob" in pjsip(desk, "show contacts")
        await page.evaluate("window.ua.stop()")


# --- what the relay refuses ---


async def test_anonymous_sip_websocket_refused(desk: Desk) -> None:
    url = f"ws://127.0.0.1:{desk.stack.settings.web_port}/sip"
    async with web_app(desk):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(url, subprotocols=[websockets.Subprotocol("sip")]):
                pass
    assert refused.value.response.status_code in (401, 403)


# sends one SIP frame over a websocket of its own to /sip; resolves to the close code
# (or "answered: <status line>" when Asterisk's reply came back through the relay)
SEND_FRAME_JS = """
async (frame) => {
  const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/sip', 'sip');
  const outcome = new Promise((resolve) => {
    ws.addEventListener('close', (e) => resolve(e.code));
    ws.addEventListener('message', (e) => resolve('answered: ' + e.data.split('\\r\\n')[0]));
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', () => reject(new Error('websocket error')));
  });
  ws.send(frame.replaceAll('HOST', location.hostname));
  const result = await outcome;
  ws.close();
  return result;
}
"""


def frame(method: str, from_user: str, to_user: str, request_user: str) -> str:
    return "\r\n".join(
        [
            f"{method} sip:{request_user + '@' if request_user else ''}HOST SIP/2.0",
            "Via: SIP/2.0/WS forged.invalid;branch=z9hG4bK" + method.lower(),
            "Max-Forwards: 70",
            f"From: <sip:{from_user}@HOST>;tag=forged",
            f"To: <sip:{to_user}@HOST>",
            f"Call-ID: forged-{method.lower()}-{from_user}",
            f"CSeq: 1 {method}",
            f"Contact: <sip:{from_user}@forged.invalid;transport=ws>",
            "Expires: 600",
            "Content-Length: 0",
            "",
            "",
        ]
    )


async def test_sip_in_another_users_name_is_refused(desk: Desk, browser_login: OpenPage) -> None:
    """Through alice's relay: a REGISTER for dave, and an INVITE from a user that is
    no account (which Asterisk, seeing the relay's 127.0.0.1, would take for the
    trunk's, with no password) are cut off (1008) before Asterisk sees them; alice's
    own REGISTER goes through and is challenged by Asterisk."""
    echo = desk.stack.settings.echo_number
    async with web_app(desk):
        page = await browser_login(desk.base_url, "alice", PASSWORD)
        as_dave = await page.evaluate(SEND_FRAME_JS, frame("REGISTER", "dave", "dave", ""))
        as_trunk = await page.evaluate(SEND_FRAME_JS, frame("INVITE", "caller", echo, echo))
        own = await page.evaluate(SEND_FRAME_JS, frame("REGISTER", "alice", "alice", ""))
    assert as_dave == 1008 and as_trunk == 1008  # policy: the relay closed the socket
    assert own == "answered: SIP/2.0 401 Unauthorized"
    assert "dave" not in pjsip(desk, "show contacts")


# --- accounts changed while Asterisk runs ---


async def test_endpoints_follow_account_changes(desk: Desk, tmp_path: Path) -> None:
    """``guichet users add|reset-password|disable`` while Asterisk runs: the shell
    re-renders and reloads res_pjsip after each; a SIP phone with the account's secret
    registers, then only with the new secret, then not at all."""
    accounts = AccountRepository(desk.store)
    registrar = f"{desk.stack.sip_host}:{desk.stack.sip_port}"

    async def registers(secret: str, tag: str) -> bool:
        workdir = tmp_path / tag
        async with AgentPhone(registrar, user="carol", password=secret, workdir=workdir) as p:
            try:
                await p.wait_registered(5)
            except BaresipError:
                return False
            return True

    def secret() -> str:
        account = accounts.get("carol")
        assert account is not None
        return account.sip_secret

    added = desk.stack.guichet(
        "users", "add", "carol", "--role", "expert", "--service", "etat-civil"
    )
    assert "SIP endpoints reloaded" in added.stdout, added.stdout + added.stderr
    first = secret()
    assert await registers(first, "added")
    reset = desk.stack.guichet("users", "reset-password", "carol")
    assert "SIP endpoints reloaded" in reset.stdout, reset.stdout + reset.stderr
    assert secret() != first
    assert not await registers(first, "old-secret")
    assert await registers(secret(), "new-secret")
    listed = desk.stack.guichet("users", "list")
    assert "reloaded" not in listed.stdout  # reading changes nothing
    disabled = desk.stack.guichet("users", "disable", "carol")
    assert "SIP endpoints reloaded" in disabled.stdout, disabled.stdout + disabled.stderr
    assert "Unable to find" in pjsip(desk, "show endpoint carol")
    assert not await registers(secret(), "disabled")
