"""``guichet up`` as a subprocess for the end-to-end tests, on a data directory whose
accounts exist before it starts (their WebRTC endpoints are rendered at the start), in
day mode; and the things those tests ask of it (a caller on the city's number, AMI)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from guichet.accounts import AccountRepository
from guichet.settings import Settings, load_settings
from guichet.store import open_store
from pbx.ami import AmiConfig, ami_session
from pbx.queues import Member, read_queue_state
from tests.integration.stack import GUICHET, stack_env
from tests.support.processes import WatchedProcess
from tests.support.sip_caller import CallSession

__all__ = ["CALLER_NUMBER", "Up", "guichet_up"]

CALLER_NUMBER = "0612345678"


@dataclass
class Up:
    home: Path
    settings: Settings
    env: dict[str, str]
    proc: WatchedProcess

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    @property
    def sip_target(self) -> str:
        return f"{self.settings.city_number}@{self.settings.sip_bind_host}:{self.settings.sip_port}"

    def caller(
        self, workdir: Path, audio_in: Path | None = None, *, max_duration_s: float
    ) -> CallSession:
        """A caller from CALLER_NUMBER dialling the city's number."""
        return CallSession(
            self.sip_target,
            workdir=workdir,
            user=CALLER_NUMBER,
            audio_in=audio_in,
            max_duration_s=max_duration_s,
        )

    async def ami(self, fields: dict[str, str]) -> None:
        async with ami_session(AmiConfig.from_settings(self.settings)) as ami:
            await ami.action(fields)

    async def members(self, queue: str) -> dict[str, Member]:
        """The queue's members, as Asterisk has them now (not the page's word)."""
        async with ami_session(AmiConfig.from_settings(self.settings)) as ami:
            state = await read_queue_state(ami)
        found = state.queues.get(queue)
        return dict(found.members) if found else {}


@contextlib.asynccontextmanager
async def guichet_up(
    home: Path, add: Callable[[AccountRepository], None], *, ready_s: float, **settings: str
) -> AsyncIterator[Up]:
    """``add`` writes the accounts, then ``guichet mode day`` and ``guichet up``
    (``settings``: the data directory's extra settings); SIGINT at the end."""
    env = stack_env(home, **settings)
    loaded = load_settings(env)
    store = open_store(loaded.store_url)
    try:
        add(AccountRepository(store))
    finally:
        store.close()
    subprocess.run([GUICHET, "mode", "day"], env=env, check=True, capture_output=True)
    proc = await WatchedProcess([GUICHET, "up"], env).start()
    try:
        await proc.wait_for_line(r"^ready$", timeout=ready_s)
        yield Up(home, loaded, env, proc)
    finally:
        proc.send_signal(signal.SIGINT)
        await proc.wait(timeout=30)
