from __future__ import annotations

import pytest

from ivr_flows.loader import DEFAULT_FLOW, load_flow
from ivr_flows.model import Flow


@pytest.fixture(scope="session")
def flow() -> Flow:
    """The demo commune (ivr_flows/default.yaml), as the dialplan and FastAGI see it."""
    return load_flow(DEFAULT_FLOW)
