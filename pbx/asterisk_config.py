"""Renders ``asterisk-config/`` templates with the settings and generated secrets.

Every start renders the whole configuration anew: Debian's sample files are
never used, and a changed setting takes effect on the next start.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from guichet.accounts import USERNAME, Account, AccountRepository
from guichet.errors import ConfigError
from guichet.secrets_store import Secrets
from guichet.settings import Settings
from guichet.store import open_store
from pbx.dialplan import render_context as flow_context

if TYPE_CHECKING:
    from pbx.click_to_call.dialing import OutboundTrunk

# asterisk-config/ sits at the top of the checkout, next to the packages.
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "asterisk-config"
PRIVATE_FILES = frozenset({"ari.conf", "manager.conf", "pjsip.conf"})
# Modules Asterisk must never load (modules.conf says `noload`, which also stops them
# coming in as another module's dependency): they run shell commands or any
# application from the dialplan or ARI, read and write files by name (FILE()), place
# calls from files dropped in a directory or from the CLI, or take SIP MESSAGE and
# REFER-to-voicemail requests. Guichet uses none of them.
NEVER_LOADED = (
    "func_shell",
    "app_system",
    "app_exec",
    "app_originate",
    "func_env",
    "pbx_spool",
    "res_clioriginate",
    "res_pjsip_messaging",
    "res_pjsip_send_to_voicemail",
)
_QUEUE_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")
# In a .conf a line break starts a new option or section: a value carrying one could add
# `match = 0.0.0.0/0` to the trunk. The settings refuse them already (guichet.settings);
# this holds for every value, secrets and the call flow's texts included.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeConfigValue(ConfigError):
    """A value to render into an Asterisk file holds a control character."""


def _refuse_control_characters(value: object) -> object:
    """Jinja's ``finalize``: sees every ``{{ … }}`` value before it is written."""
    if isinstance(value, str) and _CONTROL.search(value):
        # the value itself is not quoted: it may be a password
        raise UnsafeConfigValue(
            "a value holds a control character (a line break, a tab…), which would "
            "change the file's structure"
        )
    return value


log = logging.getLogger(__name__)

# The roles that use the browser softphone, hence get a WebRTC endpoint (an admin
# administers, and has no phone).
SOFTPHONE_ROLES = frozenset({"agent", "expert", "supervisor"})
# pjsip.conf's own sections: an account by one of these names would merge into them
# (a "trunk" endpoint with a password section…); the accounts refuse them, and so does
# the renderer
RESERVED_ENDPOINTS = frozenset(
    {"trunk", "transport-udp", "transport-ws", "global", "system", "outbound-trunk"}
)


@dataclass(frozen=True)
class DeskEndpoint:
    """One account's WebRTC endpoint: its name (the username) and SIP password."""

    user: str
    password: str


def desk_endpoints(accounts: Iterable[Account]) -> list[DeskEndpoint]:
    """The endpoints to render: the enabled accounts of a softphone role, named so
    they cannot take another section's place (a name that could is left out, logged)."""
    endpoints = []
    for account in accounts:
        if account.disabled or account.role not in SOFTPHONE_ROLES:
            continue
        name = account.username
        if not USERNAME.fullmatch(name) or name in RESERVED_ENDPOINTS or not account.sip_secret:
            log.error("account %r not rendered as a SIP endpoint: reserved or invalid", name)
            continue
        endpoints.append(DeskEndpoint(name, account.sip_secret))
    return sorted(endpoints, key=lambda e: e.user)


def stored_desk_endpoints(settings: Settings) -> list[DeskEndpoint]:
    """The endpoints of the accounts in the store (``guichet users``)."""
    store = open_store(settings.store_url)
    try:
        return desk_endpoints(AccountRepository(store).active())
    finally:
        store.close()


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


def _outbound_trunk(settings: Settings) -> OutboundTrunk | None:
    # imported here: pbx.click_to_call reads credentials, which import this module
    from pbx.click_to_call.dialing import OutboundTrunk  # noqa: PLC0415

    return OutboundTrunk.from_settings(settings)


def template_names() -> list[str]:
    return sorted(p.name for p in TEMPLATE_DIR.glob("*.conf"))


def render_all(
    settings: Settings,
    secrets: Secrets,
    ctx: RenderContext,
    desk: Sequence[DeskEndpoint] = (),
) -> dict[str, str]:
    """Every file of ``asterisk-config/``; ``desk``: the accounts' WebRTC endpoints
    (:func:`stored_desk_endpoints`)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - Asterisk config, not HTML
        finalize=_refuse_control_characters,
    )
    accounts = [(u, secrets.sip_accounts[u]) for u in sip_usernames(settings)]
    # an account named like a test account, a section of pjsip.conf or a queue (an
    # extension of the agents' context) is left out rather than merged into it
    taken = {u for u, _ in accounts} | RESERVED_ENDPOINTS | set(queue_names(settings))
    desk_accounts = [(e.user, e.password) for e in desk if e.user not in taken]
    for clash in sorted({e.user for e in desk} & taken):
        log.error("account %r not rendered: its name is taken (test account, queue…)", clash)
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
        "desk_accounts": desk_accounts,
        "city_number": settings.city_number,
        "echo_number": settings.echo_number,
        # the call flow, for the controller-down dialplan (pbx.dialplan)
        "flow": flow_context(settings),
        "queues": queue_names(settings),
        "queue_ring_s": settings.queue_ring_s,
        "queue_retry_s": settings.queue_retry_s,
        "queue_wrapup_s": settings.queue_wrapup_s,
        "queue_announce_every_s": settings.queue_announce_every_s,
        "never_loaded": NEVER_LOADED,
        # the outbound trunk for the experts' callbacks (E1, pbx.click_to_call); None: none
        "outbound": _outbound_trunk(settings),
    }
    files = {}
    for name in template_names():
        try:
            files[name] = env.get_template(name).render(**values)
        except UnsafeConfigValue as exc:
            raise UnsafeConfigValue(f"{name} not rendered: {exc}") from None
    return files


def write_config(files: dict[str, str], etc_dir: Path, uid: int, gid: int) -> None:
    """Replace ``etc_dir``'s contents for an Asterisk running as ``uid``:``gid``.

    Asterisk reads its configuration after dropping to that user, so the files holding
    secrets are root:``gid`` 0640 (readable by that group, nobody else), the others
    root:``gid`` 0644, and the directory root:``gid`` 0750: Asterisk reads them all but
    owns none, so a compromised Asterisk cannot rewrite what it loads next time.

    Without root (``guichet asterisk render`` in the compose service, as the image's
    user) nothing can be given away: the files keep the caller's user and group, with
    the same modes, and the directory is left as it is, since whoever set it up (a
    volume) knows who must enter it. The Asterisk image's user is then a member of the
    caller's group (asterisk-config/Dockerfile).
    """
    del uid  # kept for the callers: Asterisk's user owns nothing here, its group reads
    etc_dir.mkdir(parents=True, exist_ok=True)
    as_root = os.geteuid() == 0
    if as_root:
        # first close the directory, then fill it: no moment where others can look in
        os.chown(etc_dir, 0, gid)
        etc_dir.chmod(0o750)
    for stale in etc_dir.glob("*.conf"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        path = etc_dir / name
        mode = 0o640 if name in PRIVATE_FILES else 0o644
        # written under a temporary name, then renamed: Asterisk (or a reload) never
        # reads a half-written file, and a file another user created beforehand (a
        # link placed in a directory it could write to) is replaced, not written through
        tmp = path.with_name(f".{name}.tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            if as_root:
                os.chown(tmp, 0, gid)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
