"""Opening the store: SQLite (WAL, synchronous=FULL) by default, PostgreSQL by URL.
Migrations run on open, so every process sees the schema it expects.

The store holds transcripts and phone numbers: an SQLite file (and its -wal/-shm) is
readable by its owner only, in a directory made private, and no statement's
parameters ever go into an exception's text (and from there into a log)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, ExceptionContext, create_engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from guichet.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed row survives a power cut, not only a process crash
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _without_row_values(context: ExceptionContext) -> None:
    """PostgreSQL's DETAIL quotes the values of the row or key that failed ("Failing
    row contains (…, <the transcript>, …)"), which hide_parameters does not reach: the
    driver's error and ours keep only the primary message, before anyone logs them."""
    orig = context.original_exception
    diag = getattr(orig, "diag", None)
    if diag is None or not getattr(diag, "message_detail", None):
        return
    primary = getattr(diag, "message_primary", None) or "error"
    orig.args = (primary,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {primary}",)


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# what SQLite keeps beside the database file, with the same contents
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and its missing parents) readable by its owner only. An
    existing directory is left as it is: it may be shared (a database URL pointing
    into /var/tmp); the data directory itself is tightened where it is known
    (``guichet.secrets_store``)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        directory.chmod(PRIVATE_DIR_MODE)  # mkdir's mode goes through the umask


def private_file(path: Path) -> None:
    """``path`` readable and writable by its owner only; created empty if missing
    (SQLite takes an empty file for a new database). One another account owns is
    left as it is: only that account may change its mode."""
    try:
        # opened only when missing: closing any descriptor of a file drops every POSIX
        # lock this process holds on it, so a second store opened in a process that
        # has one (a render inside `guichet up`) would strip the first store's SQLite
        # locks (on -shm: its WAL read snapshot), and it would read stale rows
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
            os.close(fd)
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.geteuid():
            path.chmod(PRIVATE_FILE_MODE)
    except OSError as exc:
        raise StoreError(f"cannot make {path} private: {exc.strerror}") from exc


def _private_sqlite_files(database: Path) -> None:
    # SQLite gives a new -wal/-shm the database file's own mode (unix VFS), so a
    # private database file keeps them private; those an older version left are
    # tightened here
    private_dir(database.parent)
    private_file(database)
    for suffix in _SQLITE_COMPANIONS:
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            private_file(companion)


def make_engine(url: str) -> Engine:
    # hide_parameters: a failed statement's exception text (logged by whoever catches
    # it) would otherwise quote its parameters: transcripts, phone numbers
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            _private_sqlite_files(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "handle_error", _without_row_values)
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    try:
        command.upgrade(alembic_config(engine), "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"could not migrate the store: {exc}") from exc


class Store:
    """The engine and a session factory. Sessions are short: one unit of work each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, migrate_schema: bool = True) -> Store:
    engine = make_engine(url)
    if migrate_schema:
        migrate(engine)
    return Store(engine)
