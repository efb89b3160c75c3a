from __future__ import annotations

from collections.abc import Iterator

import pytest

from guichet.store import Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store at the latest schema, on SQLite and on PostgreSQL."""
    opened = open_store(store_url)
    yield opened
    opened.close()
