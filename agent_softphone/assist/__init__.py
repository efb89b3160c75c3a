"""Live assist in the web app: manual card search, suggestions on demand, cards
pinned and used (``card_uses``). ``router(state)`` is what ``agent_softphone.app``
includes; the transcript and suggestions arrive on ``/api/events``."""

from agent_softphone.assist.objects import handles_call
from agent_softphone.assist.routes import ASSIST_ROLES, assist_router

router = assist_router

__all__ = ["ASSIST_ROLES", "assist_router", "handles_call", "router"]
