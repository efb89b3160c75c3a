"""The store's files and the data directory are their owner's only, whatever the
umask, and an older, looser install is tightened when opened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from guichet.secrets_store import load_or_create_secrets
from guichet.store import open_store
from guichet.store.models import Case


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """Files created while it holds would be readable and writable by everyone."""
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("loose_umask")
def test_a_new_store_and_its_wal_are_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    database = shared / "data" / "nested" / "guichet.db"
    store = open_store(f"sqlite:///{database}")
    try:
        with store.session() as session:  # a write: the WAL and its index exist now
            session.add(Case(id="k1", channel="phone", language="fr"))
        assert mode(database) == 0o600
        for companion in ("guichet.db-wal", "guichet.db-shm"):
            assert (database.parent / companion).exists(), companion
            assert mode(database.parent / companion) == 0o600, companion
        assert mode(database.parent) == 0o700 and mode(database.parent.parent) == 0o700
    finally:
        store.close()
    assert mode(shared) == 0o755  # a directory that was there is not Guichet's to change


@pytest.mark.usefixtures("loose_umask")
def test_an_older_store_readable_by_all_is_tightened(tmp_path: Path) -> None:
    database = tmp_path / "guichet.db"
    open_store(f"sqlite:///{database}").close()
    database.chmod(0o644)
    wal = tmp_path / "guichet.db-wal"
    wal.write_bytes(b"")
    wal.chmod(0o666)
    store = open_store(f"sqlite:///{database}")
    try:
        assert mode(database) == 0o600 and mode(wal) == 0o600
    finally:
        store.close()


@pytest.mark.usefixtures("loose_umask")
def test_the_data_directory_is_private(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh-home"
    load_or_create_secrets(fresh, [])
    assert mode(fresh) == 0o700
    older = tmp_path / "older-home"
    older.mkdir(mode=0o755)
    load_or_create_secrets(older, [])
    assert mode(older) == 0o700
