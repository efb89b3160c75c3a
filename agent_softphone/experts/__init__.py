"""The expert workspace: the callback list of the expert's services (``/experts``),
click-to-call through the outbound trunk, and each attempt's outcome.
``router(state)`` is what ``agent_softphone.app`` includes."""

from agent_softphone.experts.objects import may_work_callback
from agent_softphone.experts.routes import experts_router

router = experts_router

__all__ = ["experts_router", "may_work_callback", "router"]
