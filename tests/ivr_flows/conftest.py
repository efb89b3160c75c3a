from __future__ import annotations

import pytest

from ivr_flows.loader import DEFAULT_FLOW, load_flow
from ivr_flows.model import Flow


@pytest.fixture(scope="session")
def flow() -> Flow:
    """The demo commune: Mon-Wed 08:30-12:00 & 13:30-17:30, Thu until 19:00,
    Fri until 16:30, Sat 09:00-12:00, closed Sunday."""
    return load_flow(DEFAULT_FLOW)
