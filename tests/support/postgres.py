"""A throw-away PostgreSQL cluster for the store tests, and the ``store_url`` fixture
that runs a store test on SQLite and on PostgreSQL.

The cluster is Debian's ``postgresql`` server (``make setup`` installs it), started
once per test session in a fresh temporary directory and removed at the end. It never
touches a cluster the system runs: it listens on its own Unix socket only (no TCP
port to collide with), and each test gets a fresh, empty schema of its own.

initdb refuses to run as root, and the tests run as root in CI: the cluster then
belongs to the ``postgres`` account the package creates (``nobody`` without it), and
its commands run through ``runuser``.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL

from guichet.store import Store, open_store

SERVER_ROOT = Path("/usr/lib/postgresql")  # Debian: one bin/ per major version
SUPERUSER = "guichet"
DATABASE = "guichet"
PORT = 5432  # only names the socket file: the socket directory is the cluster's own
START_TIMEOUT_S = 60

# A throw-away cluster need not survive a power cut, so it does not wait for the disk.
# A committed row is still there for every other connection, which is what the tests
# (a SIGKILLed client included) rely on.
_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    # not UTC, as a French city hall's server would not be: what the store writes and
    # reads must not depend on the server's zone
    "timezone": "'Europe/Paris'",
}


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing or the cluster would not start."""


def find_bindir() -> Path:
    """The newest installed server's bin/ (``GUICHET_PG_BINDIR`` overrides)."""
    override = os.environ.get("GUICHET_PG_BINDIR")
    if override:
        candidates = [Path(override)]
    else:
        versions = [p for p in SERVER_ROOT.glob("*/bin") if p.parent.name.isdigit()]
        candidates = sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    where = override or f"{SERVER_ROOT}/<version>/bin"
    raise PostgresUnavailable(
        f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in {where}; "
        "`make setup` installs Debian's postgresql package (scripts/apt-packages.txt)"
    )


def _owner() -> tuple[list[str], int]:
    """The command prefix that runs as the cluster's owner, and that owner's uid."""
    if os.geteuid() != 0:
        return [], os.geteuid()
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], account.pw_uid
    raise PostgresUnavailable(
        "running as root and no 'postgres' or 'nobody' account to own the cluster"
    )


class PostgresCluster:
    """One ``initdb``'d cluster; ``create_store`` hands out fresh, empty schemas."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self._as_owner, uid = _owner()
        # directly under the temp dir, not pytest's tmp_path: a Unix socket path must
        # stay under 108 bytes
        self.root = Path(tempfile.mkdtemp(prefix="guichet-pg-"))
        # The socket lives here and lets anyone who reaches it in as superuser (trust),
        # and a superuser can run programs as the cluster's owner: only the owner and
        # the test process's group may enter.
        os.chown(self.root, uid, os.getegid())
        self.root.chmod(0o750)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._names = itertools.count(1)
        self._running = False

    def _run(self, tool: str, *args: str) -> None:
        argv = [*self._as_owner, str(self.bindir / tool), *args]
        done = subprocess.run(
            argv, cwd=self.root, capture_output=True, text=True, timeout=START_TIMEOUT_S * 2
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{tool} failed ({done.returncode}): {done.stderr.strip()}\n{log}".rstrip()
            )

    def start(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",  # only the owner and this test run can reach the socket
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
            "--no-instructions",
        )
        settings = {**_SETTINGS, "unix_socket_directories": f"'{self.root}'", "port": str(PORT)}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        # -w: pg_ctl returns once the server accepts connections (or fails after -t)
        self._run(
            "pg_ctl", "start", "-w", "-t", str(START_TIMEOUT_S), "-D", str(self.data),
            "-l", str(self.log),
        )  # fmt: skip
        self._running = True
        with self._connect("postgres") as admin:  # CREATE DATABASE: not in a transaction
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))

    def stop(self) -> None:
        try:
            if self._running:
                try:
                    self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))
                except PostgresUnavailable:
                    # a connection that will not go: do not leave a server behind
                    self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
                self._running = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _connect(self, dbname: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.root), port=PORT, user=SUPERUSER, dbname=dbname, autocommit=True
        )

    def create_store(self) -> str:
        """A new, empty schema in the cluster's database; its name. A schema per test,
        not a database: CREATE DATABASE checkpoints and copies a template, 300 ms a
        test; a schema takes none. ``url`` puts only it on the search path, so the
        store's tables and Alembic's version table all land in it."""
        name = f"test_{next(self._names)}"
        with self._connect(DATABASE) as admin:
            admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        return name

    def url(self, schema: str) -> str:
        return URL.create(
            "postgresql+psycopg",
            username=SUPERUSER,
            database=DATABASE,
            query={
                "host": str(self.root),
                "port": str(PORT),
                "options": f"-c search_path={schema}",
                "application_name": schema,  # for drop_store
            },
        ).render_as_string(hide_password=False)

    def drop_store(self, schema: str) -> None:
        with self._connect(DATABASE) as admin:
            # a test may leave an engine (another "process") connected: its sessions
            # end here rather than pile up to max_connections over the run
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s AND pid <> pg_backend_pid()",
                (schema,),
            )
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def start_cluster() -> PostgresCluster:
    """A running cluster; nothing is left behind when it fails to start."""
    cluster = PostgresCluster(find_bindir())
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running cluster for the whole session. Missing binaries FAIL the tests that
    need it: PostgreSQL support is a claim of the store, not an optional extra."""
    missing: str | None = None
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        missing = str(exc)
    if missing is not None:  # outside the except: the report is the message alone
        pytest.fail(missing, pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


STORE_BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=STORE_BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL to an empty store, once per backend: every test that uses it
    runs on SQLite (the embedded default) and on PostgreSQL (production)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'guichet.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    schema = cluster.create_store()
    try:
        yield cluster.url(schema)
    finally:
        cluster.drop_store(schema)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store at the latest schema, once per backend (``store_url``); a module
    that needs rows in it overrides this fixture and asks for it by the same name."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()
