"""The operators' day/night/auto mode: durable in the store, mirrored into Asterisk's
AstDB (family ``guichet``, key ``mode``) so that the dialplan routes on it when the
call controller is down. The store is the truth; AstDB is re-synced from it."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from guichet.errors import GuichetError
from guichet.settings import Settings
from guichet.store import Store
from ivr_flows.decision import Mode
from ivr_flows.errors import ModeError

log = logging.getLogger(__name__)

ASTDB_FAMILY = "guichet"
ASTDB_KEY = "mode"

# Core, not an ORM model on the shared Base: the routing layer owns this one table
# (created by migration 0004) and nothing else maps it.
_metadata = sa.MetaData()
routing_mode = sa.Table(
    "routing_mode",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


def read_mode(store: Store) -> Mode:
    """The stored mode; ``auto`` until an operator sets one."""
    try:
        with store.session() as session:
            value = session.execute(
                sa.select(routing_mode.c.mode).where(routing_mode.c.id == 1)
            ).scalar_one_or_none()
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot read the routing mode: {exc}") from exc
    return Mode(value) if value else Mode.AUTO


def write_mode(store: Store, mode: Mode) -> None:
    now = dt.datetime.now(dt.UTC)
    try:
        with store.session() as session:
            updated = session.execute(
                sa.update(routing_mode)
                .where(routing_mode.c.id == 1)
                .values(mode=mode.value, updated_at=now)
            )
            if updated.rowcount == 0:  # type: ignore[attr-defined]
                session.execute(
                    sa.insert(routing_mode).values(id=1, mode=mode.value, updated_at=now)
                )
    except SQLAlchemyError as exc:
        raise ModeError(f"cannot store the routing mode: {exc}") from exc


def astdb_put_command(mode: Mode) -> str:
    return f"database put {ASTDB_FAMILY} {ASTDB_KEY} {mode.value}"


def mirror_to_asterisk(settings: Settings, mode: Mode) -> bool:
    """Write ``mode`` into AstDB if Asterisk is running. False when it is not (the
    next start re-syncs it); ModeError when it runs but refuses."""
    from pbx.asterisk_process import make_runtime  # noqa: PLC0415 - keeps pbx optional

    try:
        runtime = make_runtime(settings)
        if not runtime.status().running:
            return False
        reply = runtime.cli(astdb_put_command(mode))
    except GuichetError as exc:
        raise ModeError(f"mode stored, but not mirrored into Asterisk: {exc}") from exc
    if "updated" not in reply.lower():
        raise ModeError(f"mode stored, but Asterisk answered: {reply.strip()}")
    return True


def read_astdb(settings: Settings) -> str | None:
    """What the dialplan sees, or None when Asterisk is not running / has no value."""
    from pbx.asterisk_process import make_runtime  # noqa: PLC0415

    try:
        runtime = make_runtime(settings)
        if not runtime.status().running:
            return None
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
    does, through :func:`ivr_flows.fastagi.serve_fastagi`)."""
    mode = read_mode(store)
    mirror_to_asterisk(settings, mode)
    return mode
