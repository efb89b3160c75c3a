"""``guichet up`` (everything, in the foreground) and ``guichet status``: the shell
that wires the call side, the FastAGI router and the web app around one store and
one event bus."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Generator
from contextlib import suppress
from pathlib import Path
from typing import Any

import click
import httpx
import uvicorn

from agent_softphone.app import ADMIN_USER, AppState, create_app
from guichet.bus import InMemoryBus
from guichet.casefile.sms import describe_sms
from guichet.commands import get_settings
from guichet.errors import GuichetError
from guichet.runner import run_until_signal
from guichet.settings import Settings
from guichet.store import open_store
from ivr_flows import Mode, read_mode
from pbx import (
    fetch_queue_state,
    format_queues,
    load_secrets,
    make_runtime,
    serve_controller,
    serve_fastagi,
    sip_usernames,
)
from pbx.credentials import credentials


def _state_file(settings: Settings) -> Path:
    return settings.home_dir / "run" / "up.json"


def _banner(settings: Settings, mode: Mode) -> str:
    secrets = load_secrets(settings)
    web = f"http://{settings.web_host}:{settings.web_port}/"
    lines = [
        "Guichet is ready.",
        f"  web app      {web}  (user {ADMIN_USER}, password in {settings.home_dir}/secrets.json)",
        f"  city hall    dial sip:{settings.city_number}@{settings.sip_bind_host}:"
        f"{settings.sip_port} from {', '.join(settings.trunk_addresses)} (the trunk)",
        f"  echo test    sip:{settings.echo_number}@{settings.sip_bind_host}:{settings.sip_port}",
        "  SIP accounts "
        + ", ".join(f"{u}/{secrets.sip_accounts[u]}" for u in sip_usernames(settings)),
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


async def _serve_web(settings: Settings, app_state: AppState, ready: asyncio.Event) -> None:
    config = uvicorn.Config(
        create_app(app_state),
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        lifespan="off",
    )
    server = _QuietServer(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("web server stopped while starting")
            await asyncio.sleep(0.02)
        ready.set()
        await serving
    finally:
        server.should_exit = True
        with suppress(asyncio.CancelledError):
            await serving


@click.command()
@click.pass_context
def up(ctx: click.Context) -> None:
    """Start Asterisk, the call controller and the web app; Ctrl-C stops them all."""
    settings = get_settings(ctx)
    runtime = make_runtime(settings)
    store = open_store(settings.store_url)
    state_file = _state_file(settings)
    # stop on exit only what this command started
    started_here = not runtime.status().running
    try:
        runtime.start()
        health: dict[str, Any] = {"asterisk": runtime.status().detail, "controller": "starting"}
        admin_password = load_secrets(settings).admin_password

        async def main() -> None:
            # one bus: the call side publishes on it, the web app's browsers follow it
            bus = InMemoryBus()
            app_state = AppState(store, admin_password, health, bus=bus)
            controller_ready = asyncio.Event()
            web_ready = asyncio.Event()
            agi_ready = asyncio.Event()

            async def announce() -> None:
                await controller_ready.wait()
                await web_ready.wait()
                await agi_ready.wait()
                health["controller"] = "connected"
                state_file.parent.mkdir(parents=True, exist_ok=True)
                state_file.write_text(
                    json.dumps({"pid": os.getpid(), "web_port": settings.web_port}),
                    encoding="utf-8",
                )
                mode = await asyncio.to_thread(read_mode, store)
                click.echo(_banner(settings, mode))
                click.echo("ready", err=False)

            await run_until_signal(
                serve_fastagi(settings, store, agi_ready),
                serve_controller(settings, store, bus, controller_ready),
                _serve_web(settings, app_state, web_ready),
                announce(),
            )

        asyncio.run(main())
    finally:
        state_file.unlink(missing_ok=True)
        store.close()
        if started_here:
            runtime.stop()
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
        reply = httpx.get(
            f"http://{settings.web_host}:{settings.web_port}/api/health",
            auth=(ADMIN_USER, load_secrets(settings).admin_password),
            timeout=3,
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
    sys.exit(0 if not problems else 3)
