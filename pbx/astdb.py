"""The operators' day/night/auto mode mirrored into Asterisk's AstDB (family
``guichet``, key ``mode``), so that the dialplan routes on it when the call
controller is down. The store is the truth (:mod:`ivr_flows.mode`); AstDB is a
copy, re-synced from it whenever Asterisk starts.

The Asterisk Guichet runs is reached through its CLI (``asterisk -rx``, as root); an
external one through AMI's own AstDB actions (DBPut, DBGet: the "system" class), as
Guichet's AMI account may not run CLI commands."""

from __future__ import annotations

import logging

from guichet.errors import GuichetError
from guichet.settings import Settings
from guichet.store import Store
from ivr_flows.decision import Mode
from ivr_flows.errors import ModeError
from ivr_flows.mode import read_mode, write_mode
from pbx.ami import run_on_ami
from pbx.asterisk_process import make_runtime

log = logging.getLogger(__name__)

ASTDB_FAMILY = "guichet"
ASTDB_KEY = "mode"


def astdb_put_command(mode: Mode) -> str:
    return f"database put {ASTDB_FAMILY} {ASTDB_KEY} {mode.value}"


def mirror_to_asterisk(settings: Settings, mode: Mode) -> bool:
    """Write ``mode`` into AstDB if Asterisk is running. False when it is not (the
    next start re-syncs it); ModeError when it runs but refuses."""
    external = settings.asterisk_mode == "external"
    try:
        runtime = make_runtime(settings)
        if not runtime.status().running:
            return False
        if external:
            run_on_ami(settings, lambda ami: ami.db_put(ASTDB_FAMILY, ASTDB_KEY, mode.value))
            return True
        reply = runtime.cli(astdb_put_command(mode))
    except GuichetError as exc:
        raise ModeError(f"mode stored, but not mirrored into Asterisk: {exc}") from exc
    if "updated" not in reply.lower():
        raise ModeError(f"mode stored, but Asterisk answered: {reply.strip()}")
    return True


def read_astdb(settings: Settings) -> str | None:
    """What the dialplan sees, or None when Asterisk is not running / has no value."""
    try:
        runtime = make_runtime(settings)
        if not runtime.status().running:
            return None
        if settings.asterisk_mode == "external":
            return run_on_ami(settings, lambda ami: ami.db_get(ASTDB_FAMILY, ASTDB_KEY))
        reply = runtime.cli(f"database get {ASTDB_FAMILY} {ASTDB_KEY}")
    except GuichetError:
        return None
    # "Value: night"
    for line in reply.splitlines():
        if line.startswith("Value:"):
            return line.split(":", 1)[1].strip()
    return None


def set_mode(settings: Settings, store: Store, mode: Mode) -> bool:
    """Store the mode, then mirror it: the next call gets it, no restart needed.
    Returns whether Asterisk was updated now (else at its next start)."""
    write_mode(store, mode)
    mirrored = mirror_to_asterisk(settings, mode)
    log.info("routing mode set to %s%s", mode.value, "" if mirrored else " (Asterisk not running)")
    return mirrored


def sync_astdb(settings: Settings, store: Store) -> Mode:
    """Copy the stored mode into AstDB: run it once Asterisk is up (``guichet up``
    does, through :func:`pbx.fastagi.serve_fastagi`)."""
    mode = read_mode(store)
    mirror_to_asterisk(settings, mode)
    return mode
