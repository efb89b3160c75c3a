"""``guichet up`` (everything, in the foreground) and ``guichet status``: the shell
that wires the call side, the FastAGI router and the web app around one store and
one event bus."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import sys
from collections.abc import Generator
from contextlib import suppress
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import httpx
import uvicorn

from agent_softphone.app import AppState, create_app
from agent_softphone.webcall import WebCalls
from guichet.accounts import FIRST_ADMIN, ensure_first_admin
from guichet.bus import InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.casefile.sms import describe_sms
from guichet.commands import get_settings
from guichet.desk import DeskPolicy
from guichet.errors import GuichetError
from guichet.incidents import STATUS_WINDOW, count_incidents, incident_lines
from guichet.kpis import Grain, KpiOptions, Period, compute_kpis
from guichet.privacy import serve_privacy_purge
from guichet.runner import InstanceLock, bind_tcp, check_port_free, run_until_signal
from guichet.settings import Settings
from guichet.shell.tls import WebTls, web_tls
from guichet.store import open_store
from guichet.store.models import utcnow
from ivr_flows import Mode, load_flow_for, read_mode
from knowledge import KnowledgeBase
from pbx import (
    fetch_queue_state,
    format_queues,
    load_knowledge,
    load_secrets,
    make_runtime,
    serve_controller,
    serve_fastagi,
    sip_usernames,
)
from pbx.ami import AmiConfig
from pbx.asterisk_process import AsteriskRuntime, AsteriskStatus
from pbx.click_to_call import PbxClickToCall, callback_attempts
from pbx.credentials import credentials
from pbx.desk import PbxDesk, desk_queues
from pbx.opening import PbxOpening
from pbx.supervision import PbxSupervision
from pbx.webcall import PbxWebCalls, WebPipelines

log = logging.getLogger(__name__)


RUN_DIR = "run"


@dataclass(frozen=True)
class UpRecord:
    """``<home>/run/up.json``: what the running ``guichet up`` owns. It outlives a
    crash on purpose: the next ``guichet up`` reads it to know whether the Asterisk
    it finds running was started by Guichet (then it is its own to stop) or by
    someone else (``guichet asterisk start``: left alone)."""

    pid: int
    web_port: int
    asterisk_pid: int | None
    started_by_guichet: bool
    ready: bool = False

    @staticmethod
    def path(settings: Settings) -> Path:
        return settings.home_dir / RUN_DIR / "up.json"

    @classmethod
    def load(cls, settings: Settings) -> UpRecord | None:
        try:
            data = json.loads(cls.path(settings).read_text(encoding="utf-8"))
            return cls(
                pid=int(data["pid"]),
                web_port=int(data["web_port"]),
                asterisk_pid=None if data["asterisk_pid"] is None else int(data["asterisk_pid"]),
                started_by_guichet=bool(data["started_by_guichet"]),
                ready=bool(data.get("ready", False)),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none, or one an older Guichet wrote: owns nothing

    def save(self, settings: Settings) -> None:
        path = self.path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")
        os.replace(tmp, path)  # a crash mid-write leaves the previous record whole


def _banner(settings: Settings, mode: Mode) -> str:
    web = f"{_scheme(settings)}://{settings.web_host}:{settings.web_port}/"
    secrets_file = settings.home_dir / "secrets.json"
    lines = [
        "Guichet is ready.",
        f"  web app      {web}  (first admin {FIRST_ADMIN}: its first password is"
        f" admin_password in {secrets_file}; guichet users add|list|reset-password)",
        f"  city hall    dial sip:{settings.city_number}@{settings.sip_bind_host}:"
        f"{settings.sip_port} from {', '.join(settings.trunk_addresses)} (the trunk)",
        f"  echo test    sip:{settings.echo_number}@{settings.sip_bind_host}:{settings.sip_port}",
        # a banner ends up in terminals, logs and screenshots: say where, never what
        f"  SIP accounts {', '.join(sip_usernames(settings))}  (passwords in {secrets_file})",
        f"  routing      mode {mode.value} (guichet mode day|night|auto)",
        f"  knowledge    {settings.kb_index_path}"
        + ("" if settings.kb_index_path.exists() else "  (missing: guichet kb ingest DIR)"),
        f"  {describe_sms(settings)}",
        f"  data         {settings.home_dir}",
        "Press Ctrl-C to stop everything.",
    ]
    return "\n".join(lines)


class _QuietServer(uvicorn.Server):
    """``guichet up`` owns SIGINT/SIGTERM; the web server must not take them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class WebServerError(GuichetError):
    """The web app's server stopped while starting."""


def _scheme(settings: Settings) -> str:
    return "https" if web_tls(settings) is not None else "http"


async def _serve_web(
    settings: Settings,
    app_state: AppState,
    ready: asyncio.Event,
    sock: socket.socket,
    tls: WebTls | None = None,
) -> None:
    config = uvicorn.Config(
        create_app(app_state),
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        # the routers' start-up and shut-down: the desk's states (agents still in the
        # queues wait for their page, then leave) and their timers, owned and awaited
        lifespan="on",
        # the page, its API and the SIP websocket (/sip) on one port: one certificate
        ssl_certfile=str(tls.cert) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
        # on stop: open websockets (desk pages, wallboards) are closed, then the
        # lifespan's shut-down runs; a connection that hangs is not waited on for ever
        timeout_graceful_shutdown=5,
    )
    server = _QuietServer(config)

    async def serve() -> None:
        try:
            await server.serve(sockets=[sock])
        except SystemExit as exc:
            # uvicorn exits the process when its start-up fails; inside the event
            # loop that would tear it down mid-flight (pending tasks destroyed)
            raise WebServerError("the web server could not start") from exc

    serving = asyncio.create_task(serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()
                raise WebServerError("the web server stopped while starting")
            await asyncio.sleep(0.02)
        ready.set()
        # shielded: when `guichet up` stops, this task is cancelled but the server is
        # asked to exit (below) rather than cancelled, so the routers' lifespan ends
        # as it should instead of being torn down mid-receive
        await asyncio.shield(serving)
    finally:
        server.should_exit = True
        with suppress(asyncio.CancelledError):
            await serving


async def _warm_kpis(settings: Settings, app_state: AppState, reception: str) -> None:
    """Read the KPI page's settled days into its cache now, in the background, so
    the first year view after start is served warm (read once: ~2 s at 100 000
    calls). A failure only costs the first page its speed: logged, not raised."""
    now = utcnow()
    zone = settings.callback_timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    # the year view by month: the last 12 months (default_period) and the last 366 days
    period = Period(today - timedelta(days=366), today, Grain.MONTH, zone)
    options = KpiOptions(reception_queue=reception, now=now)
    try:
        await asyncio.to_thread(compute_kpis, app_state.store, period, options, app_state.kpis)
    except Exception:  # the page reads the store itself then
        log.warning("KPI cache warm-up failed; the first KPI page reads the store", exc_info=True)


def _claim_ports(settings: Settings, asterisk_running: bool) -> list[socket.socket]:
    """Bind the web app's and the FastAGI server's ports now, and check Asterisk's
    when this command is to start it: a port in use is one line and no side effect,
    rather than a traceback after Asterisk has started."""
    listeners: list[socket.socket] = []
    try:
        listeners.append(bind_tcp(settings.web_host, settings.web_port, "web app"))
        listeners.append(bind_tcp(settings.agi_host, settings.agi_port, "FastAGI"))
        if settings.asterisk_mode == "chroot" and not asterisk_running:
            # Asterisk only logs a bind failure and runs on, deaf: check for it
            check_port_free(settings.sip_bind_host, settings.sip_port, "SIP", "udp")
            check_port_free(settings.http_bind_host, settings.http_port, "Asterisk HTTP", "tcp")
            check_port_free(settings.ami_host, settings.ami_port, "AMI", "tcp")
    except BaseException:
        for sock in listeners:
            sock.close()
        raise
    return listeners


def _owns_running_asterisk(
    settings: Settings, previous: UpRecord | None, asterisk_pid: int | None
) -> bool:
    """An Asterisk found running is this command's to stop when a ``guichet up``
    (killed since: we hold the lock) recorded starting that very process."""
    return (
        settings.asterisk_mode == "chroot"
        and previous is not None
        and previous.started_by_guichet
        and previous.asterisk_pid in (None, asterisk_pid)  # None: killed while starting it
    )


@click.command()
@click.pass_context
def up(ctx: click.Context) -> None:
    """Start Asterisk, the call controller and the web app; Ctrl-C stops them all."""
    settings = get_settings(ctx)
    # first, before anything starts: one `guichet up` per data directory…
    lock = InstanceLock(
        settings.home_dir / RUN_DIR / "up.lock", f"guichet up for {settings.home_dir}"
    ).acquire()
    try:
        runtime = make_runtime(settings)
        found = runtime.status()
        # …and ports nobody else holds
        listeners = _claim_ports(settings, found.running)
        try:
            _run(settings, runtime, found, listeners)
        finally:
            for sock in listeners:
                sock.close()
    finally:
        lock.release()


def _run(
    settings: Settings,
    runtime: AsteriskRuntime,
    found: AsteriskStatus,
    listeners: list[socket.socket],
) -> None:
    web_socket, agi_socket = listeners
    previous = UpRecord.load(settings)
    if found.running:
        owned = _owns_running_asterisk(settings, previous, found.pid)
        if owned:
            log.info(
                "Asterisk (pid %s) was started by a previous guichet up: taking it over", found.pid
            )
    else:
        owned = settings.asterisk_mode == "chroot"
    record = UpRecord(os.getpid(), settings.web_port, found.pid, owned)
    # recorded before starting it, so a crash during the start still hands it on
    record.save(settings)
    store = open_store(settings.store_url)
    try:
        # first run: the admin account, with the password generated in secrets.json
        ensure_first_admin(store, load_secrets(settings).admin_password)
        runtime.start()
        record = replace(record, asterisk_pid=runtime.status().pid)
        record.save(settings)
        health: dict[str, Any] = {"asterisk": runtime.status().detail, "controller": "starting"}
        tls = web_tls(settings)  # made here the first time, when self-signed

        async def main() -> None:
            # one bus: the call side publishes on it, the web app's browsers follow it
            bus = InMemoryBus()
            app_state = AppState(store, health, bus=bus, settings=settings, tls=tls is not None)
            # the desk's call side: agent states (and escalations) over AMI
            app_state.desk = PbxDesk(AmiConfig.from_settings(settings))
            # the wallboard's day/night switch and today's closures (E2)
            app_state.opening = PbxOpening(settings, store, load_flow_for(settings), bus)
            # listen, whisper, barge (ARI snoop): run by the call side, used by the web
            supervision = PbxSupervision.from_settings(settings, bus)
            app_state.supervision = supervision
            # the experts' callbacks (E1): click-to-call on the outbound trunk, the next
            # attempt within the flow's opening hours
            app_state.click_to_call = PbxClickToCall.from_settings(settings)
            app_state.callback_attempts = callback_attempts(settings, store)
            app_state.desk_policy = DeskPolicy(
                desk_queues(settings), settings.desk_wrapup_s, settings.desk_presence_grace_s
            )
            # one knowledge base: the voicebot's, live assist's, the desk's card search
            knowledge = await asyncio.to_thread(load_knowledge, settings)
            app_state.knowledge = knowledge if isinstance(knowledge, KnowledgeBase) else None
            # the website's call button: the web app holds the call (aiortc + the
            # voicebot), the call side puts it in a queue when a person is asked for
            webcall_bridge = PbxWebCalls()
            app_state.webcalls = WebCalls(
                settings=settings,
                cases=CaseRepository(store),
                make_pipeline=WebPipelines(settings, knowledge),
                bridge=webcall_bridge,
            )
            controller_ready = asyncio.Event()
            web_ready = asyncio.Event()
            agi_ready = asyncio.Event()

            async def announce() -> None:
                await controller_ready.wait()
                await web_ready.wait()
                await agi_ready.wait()
                health["controller"] = "connected"
                replace(record, ready=True).save(settings)
                mode = await asyncio.to_thread(read_mode, store)
                click.echo(_banner(settings, mode))
                click.echo("ready", err=False)

            await run_until_signal(
                serve_fastagi(settings, store, agi_ready, agi_socket),
                serve_controller(
                    settings,
                    store,
                    bus,
                    controller_ready,
                    knowledge=knowledge,
                    supervision=supervision,
                    webcalls=webcall_bridge,
                ),
                app_state.webcalls.serve(),
                _serve_web(settings, app_state, web_ready, web_socket, tls),
                serve_privacy_purge(settings, store),  # at start, then daily
                _warm_kpis(settings, app_state, desk_queues(settings).reception),
                announce(),
            )

        asyncio.run(main())
    finally:
        store.close()
        if owned:
            runtime.stop()
        # only now: a crash while stopping still leaves the record for the next run
        UpRecord.path(settings).unlink(missing_ok=True)
        click.echo("Guichet stopped.")


@click.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Exit 0 when Asterisk, the controller and the web app are up."""
    settings = get_settings(ctx)
    problems: list[str] = []
    asterisk = make_runtime(settings).status()
    click.echo(f"asterisk    {asterisk.detail}")
    if not asterisk.running:
        problems.append("asterisk")
    creds = credentials(settings)
    try:
        reply = httpx.get(
            f"{settings.ari_base_url}/ari/applications/{settings.ari_app}",
            auth=(creds.ari_user, creds.ari_password),
            timeout=3,
        )
        connected = reply.status_code == 200
        channels = len(reply.json().get("channel_ids", [])) if connected else 0
        click.echo(
            f"controller  {'connected' if connected else 'not connected'}"
            + (f", {channels} call(s) in progress" if connected else "")
        )
    except httpx.HTTPError:
        connected = False
        click.echo("controller  unknown (ARI unreachable)")
    if not connected:
        problems.append("controller")
    try:
        # the login page answers without a session: up, with no password sent
        # (a self-signed certificate is not checked: nothing is sent, only whether it answers)
        reply = httpx.get(
            f"{_scheme(settings)}://{settings.web_host}:{settings.web_port}/login",
            timeout=3,
            verify=False,  # noqa: S501
        )
        web_ok = reply.status_code == 200
    except httpx.HTTPError:
        web_ok = False
    click.echo(f"web app     {'up' if web_ok else 'down'}")
    if not web_ok:
        problems.append("web")
    # queues: read live from Asterisk, informational (an empty queue is not a fault)
    try:
        queue_lines = format_queues(asyncio.run(fetch_queue_state(settings)))
        click.echo("queues" + ("" if queue_lines else "      none"))
        for line in queue_lines:
            click.echo(line)
    except GuichetError as exc:
        click.echo(f"queues      unknown ({exc})")
    for line in _incident_lines(settings):  # informational, as the queues
        click.echo(line)
    sys.exit(0 if not problems else 3)


def _incident_lines(settings: Settings) -> list[str]:
    """The engines' incidents of the last day, from the store the calls write to."""
    try:
        store = open_store(settings.store_url)
    except GuichetError as exc:
        return [f"tts failures (24h): unknown ({exc})"]
    try:
        return incident_lines(count_incidents(store, utcnow() - STATUS_WINDOW))
    except GuichetError as exc:
        return [f"tts failures (24h): unknown ({exc})"]
    finally:
        store.close()
