"""The case on the desk: the per-object rules on calls and cases (``objects``), the
audited read of a case, and the wrap-up in one click (``routes``).
``router(state)`` is what ``agent_softphone.app`` includes."""

from agent_softphone.cases.objects import CaseAccess, may_read_call, may_read_case, read_case
from agent_softphone.cases.routes import case_json, cases_router

router = cases_router

__all__ = [
    "CaseAccess",
    "case_json",
    "cases_router",
    "may_read_call",
    "may_read_case",
    "read_case",
    "router",
]
