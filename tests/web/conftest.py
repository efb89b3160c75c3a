"""Fixtures the web tests share (a module may define its own of the same name)."""

from __future__ import annotations

import pytest

from knowledge import KnowledgeBase
from tests.support.demo_kb import open_demo_kb


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The demo knowledge base, ingested once per module."""
    return open_demo_kb(tmp_path_factory.mktemp("demo-kb"))
