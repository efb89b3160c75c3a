"""The agent desk: the softphone page, the agent states that drive the queues, the
transfer directory, and the presence that logs a closed page out of the queues.
``router(state)`` is what ``agent_softphone.app`` includes."""

from agent_softphone.desk.routes import desk_policy, desk_router, desk_states
from agent_softphone.desk.states import DeskStates
from agent_softphone.desk.store import DeskStateRepository, StateView

router = desk_router

__all__ = [
    "DeskStateRepository",
    "DeskStates",
    "StateView",
    "desk_policy",
    "desk_router",
    "desk_states",
    "router",
]
