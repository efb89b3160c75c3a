"""Fixtures shared by the call-side unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pbx.calls import CallTimeouts
from tests.support.call_fakes import CallHarness


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[CallHarness]:
    """A call controller on fakes, with short time-outs so a fault shows within a test."""
    h = CallHarness(tmp_path, CallTimeouts(store_s=0.5, summary_s=0.5, ari_s=0.5))
    yield h
    h.close()
