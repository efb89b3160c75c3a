"""Listen, whisper and barge, for supervisors (``routes``); the call side is
:class:`guichet.supervision.SupervisionControl`, which ``pbx`` implements.
``router(state)`` is what ``agent_softphone.app`` includes."""

from agent_softphone.supervision.routes import SUPERVISION_ROLES, call_object, supervision_router

router = supervision_router

__all__ = ["SUPERVISION_ROLES", "call_object", "router", "supervision_router"]
