"""Fixtures for tests against the real Asterisk 22 (started here, on test ports)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.stack import Stack, start_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Asterisk from the provisioned root, in a fresh data directory. Module scope:
    each test module gets its own, and it is stopped when the module ends."""
    running = start_stack(tmp_path_factory.mktemp("guichet-home"))
    try:
        yield running
    finally:
        running.asterisk.stop()


@pytest.fixture(scope="module")
def running_asterisk(stack: Stack) -> Stack:
    return stack
