"""The supervisor wallboard (issue 13): live queues, agents and calls over
``/api/wallboard``, the day/night/auto switch and today's closures, a big-screen
mode. The figures are folded by :mod:`agent_softphone.wallboard.fold` (pure)."""

from agent_softphone.wallboard.fold import QueueToday, Wallboard, count_queue_event
from agent_softphone.wallboard.routes import router

__all__ = ["QueueToday", "Wallboard", "count_queue_event", "router"]
