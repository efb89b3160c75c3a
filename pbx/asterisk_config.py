"""Renders ``asterisk-config/`` templates with the settings and generated secrets.

Every start renders the whole configuration anew: Debian's sample files are
never used, and a changed setting takes effect on the next start.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from guichet.errors import ConfigError
from guichet.secrets_store import Secrets
from guichet.settings import Settings
from pbx.dialplan import render_context as flow_context

# asterisk-config/ sits at the top of the checkout, next to the packages.
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "asterisk-config"
PRIVATE_FILES = frozenset({"ari.conf", "manager.conf", "pjsip.conf"})
_QUEUE_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class RenderContext:
    instance_dir: str  # as Asterisk sees it (inside the root, when chrooted)
    module_dir: str


def sip_usernames(settings: Settings) -> list[str]:
    return [str(1001 + n) for n in range(settings.test_accounts)]


def queue_names(settings: Settings) -> list[str]:
    """The queues to render; each name becomes a section of queues.conf, so a name
    that could break the file (``general``, spaces, brackets) is refused."""
    for name in settings.queues:
        if not _QUEUE_NAME.fullmatch(name) or name == "general":
            raise ConfigError(
                f"invalid queue name {name!r}: lower-case letters, digits and '-', "
                "starting with a letter, at most 40 characters, not 'general'"
            )
    if len(set(settings.queues)) != len(settings.queues):
        raise ConfigError(f"queue names repeat: {settings.queues}")
    return list(settings.queues)


def template_names() -> list[str]:
    return sorted(p.name for p in TEMPLATE_DIR.glob("*.conf"))


def render_all(settings: Settings, secrets: Secrets, ctx: RenderContext) -> dict[str, str]:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - Asterisk config, not HTML
    )
    accounts = [(u, secrets.sip_accounts[u]) for u in sip_usernames(settings)]
    values = {
        "inst": ctx.instance_dir,
        "moddir": ctx.module_dir,
        "language": settings.default_language,
        "http_host": settings.http_bind_host,
        "http_port": settings.http_port,
        "web_host": settings.web_host,
        "web_port": settings.web_port,
        "ari_user": settings.ari_user,
        "ari_password": secrets.ari_password,
        "ari_app": settings.ari_app,
        "ami_host": settings.ami_host,
        "ami_port": settings.ami_port,
        "ami_user": settings.ami_user,
        "ami_password": secrets.ami_password,
        "rtp_start": settings.rtp_start,
        "rtp_end": settings.rtp_end,
        "sip_host": settings.sip_bind_host,
        "sip_port": settings.sip_port,
        "trunk_addresses": settings.trunk_addresses,
        "sip_accounts": accounts,
        "city_number": settings.city_number,
        "echo_number": settings.echo_number,
        # the call flow, for the controller-down dialplan (pbx.dialplan)
        "flow": flow_context(settings),
        "queues": queue_names(settings),
        "queue_ring_s": settings.queue_ring_s,
        "queue_retry_s": settings.queue_retry_s,
        "queue_wrapup_s": settings.queue_wrapup_s,
        "queue_announce_every_s": settings.queue_announce_every_s,
    }
    return {name: env.get_template(name).render(**values) for name in template_names()}


def write_config(files: dict[str, str], etc_dir: Path, uid: int, gid: int) -> None:
    """Replace ``etc_dir``'s contents; files holding secrets are 0640 asterisk-readable."""
    etc_dir.mkdir(parents=True, exist_ok=True)
    for stale in etc_dir.glob("*.conf"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        path = etc_dir / name
        mode = 0o640 if name in PRIVATE_FILES else 0o644
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, mode)
        if os.geteuid() == 0:
            os.chown(path, 0, gid)
    if os.geteuid() == 0:
        os.chown(etc_dir, uid, gid)
