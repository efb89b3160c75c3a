"""Fixtures the web tests share (a module may define its own of the same name)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from guichet.store import Store, open_store
from knowledge import KnowledgeBase
from tests.support.demo_kb import open_demo_kb


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store, on each backend (``store_url``)."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The demo knowledge base, ingested once per module."""
    return open_demo_kb(tmp_path_factory.mktemp("demo-kb"))
