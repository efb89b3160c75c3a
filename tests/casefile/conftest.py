from __future__ import annotations

from collections.abc import Iterator

import pytest

from guichet.casefile.repository import CaseRepository
from guichet.store import Store, open_store
from tests.support.fake_twilio import FakeTwilio


@pytest.fixture
def db_url(store_url: str) -> str:
    """An empty store, on SQLite and on PostgreSQL (``store_url`` is parametrized)."""
    return store_url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    yield store
    store.close()


@pytest.fixture
def cases(store: Store) -> CaseRepository:
    return CaseRepository(store)


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake
