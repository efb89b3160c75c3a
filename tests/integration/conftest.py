"""Fixtures for tests against the real Asterisk 22 (started here, on test ports)."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from guichet.store import Store, open_store
from tests.integration.stack import GUICHET, REPO, Stack, stack_env, start_stack

DEMO_CARDS = REPO / "knowledge" / "demo" / "cards"


@pytest.fixture(scope="session")
def demo_kb_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo knowledge base, ingested once per session with the real CLI."""
    home = tmp_path_factory.mktemp("kb-home")
    index = home / "kb-index"
    subprocess.run(
        [GUICHET, "kb", "ingest", str(DEMO_CARDS), "--index", str(index)],
        env=stack_env(home),
        check=True,
        capture_output=True,
    )
    return index


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, demo_kb_index: Path) -> Iterator[Stack]:
    """Asterisk from the provisioned root, in a fresh data directory, answering from
    the demo knowledge base. Module scope: each test module gets its own, and it is
    stopped when the module ends."""
    running = start_stack(tmp_path_factory.mktemp("guichet-home"), kb_index=str(demo_kb_index))
    try:
        yield running
    finally:
        running.asterisk.stop()


@pytest.fixture(scope="module")
def running_asterisk(stack: Stack) -> Stack:
    return stack


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[Store]:
    """The stack's store, opened for one test (a module may define its own)."""
    opened = open_store(stack.settings.store_url)
    try:
        yield opened
    finally:
        opened.close()
