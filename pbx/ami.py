"""Small AMI helpers (panoramisk). The long-lived queue monitor builds on these."""

from __future__ import annotations

import asyncio
from typing import Any

from panoramisk import Manager

from guichet.settings import Settings
from pbx.credentials import credentials
from pbx.errors import AsteriskRuntimeError


def make_manager(settings: Settings, **kwargs: Any) -> Manager:
    creds = credentials(settings)
    return Manager(
        host=settings.ami_host,
        port=settings.ami_port,
        username=creds.ami_user,
        secret=creds.ami_password,
        ping_delay=10,
        **kwargs,
    )


async def _command(settings: Settings, command: str) -> str:
    manager = make_manager(settings, reconnect_timeout=0)
    try:
        await manager.connect()
        reply = await manager.send_action({"Action": "Command", "Command": command})
        output = reply.get("Output", "") if hasattr(reply, "get") else ""
        if isinstance(output, list):
            output = "\n".join(output)
        return str(output)
    finally:
        manager.close()


def run_command(settings: Settings, command: str, timeout: float = 10.0) -> str:
    """An Asterisk CLI command over AMI (for an Asterisk Guichet does not run)."""
    try:
        return asyncio.run(asyncio.wait_for(_command(settings, command), timeout))
    except (OSError, TimeoutError) as exc:
        raise AsteriskRuntimeError(f"AMI command failed: {exc}") from exc
