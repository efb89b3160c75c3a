"""A second store opened and closed in the same process (a configuration render
inside ``guichet up`` reads the accounts) must leave the first one's SQLite locks
alone: closing any descriptor of a file drops the process's POSIX locks on it, and
the first store then read a stale WAL snapshot, missing another process's writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from guichet.store import open_store


def test_first_store_sees_other_processes_writes_after_a_second_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'guichet.db'}"
    first = open_store(url)
    with first.session() as session:
        session.execute(text("CREATE TABLE t (v INTEGER)"))
        session.execute(text("INSERT INTO t VALUES (1)"))

    def read() -> int:
        with first.session() as session:
            return int(session.execute(text("SELECT max(v) FROM t")).scalar_one())

    def write_elsewhere(value: int) -> None:
        code = (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute(f'INSERT INTO t VALUES ({int(sys.argv[2])})'); c.commit(); "
            "c.execute('PRAGMA wal_checkpoint(RESTART)'); c.close()"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "guichet.db"), str(value)], check=True
        )

    assert read() == 1
    open_store(url).close()  # what a render inside `guichet up` does
    write_elsewhere(2)
    assert read() == 2
    write_elsewhere(3)
    assert read() == 3
    first.close()
