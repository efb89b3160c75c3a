"""Queued calls on their case files: who waits where (logged), and, when an agent
picks a call up, who took it, written on the call's case."""

from __future__ import annotations

import logging

from guichet.bus import EventBus
from guichet.casefile.records import Outcome
from guichet.casefile.repository import CaseRepository
from guichet.events import AgentConnected, QueueCallerJoined

__all__ = ["track_queued_cases"]

log = logging.getLogger(__name__)


async def track_queued_cases(bus: EventBus, cases: CaseRepository, reception_queue: str) -> None:
    """Follow queued calls until cancelled. A call picked up in ``reception_queue``
    is answered by reception; in any other queue, by the expert it was escalated to
    (the escalation itself is recorded once, when the call is sent there:
    :class:`pbx.queues.flow.QueueStep`). The queue's caller id is the call's id."""
    async with bus.subscribe(types=(QueueCallerJoined, AgentConnected)) as events:
        async for event in events:
            match event:
                case QueueCallerJoined():
                    log.info(
                        "call %s: waiting in queue %s (position %s)",
                        event.unique_id,
                        event.queue,
                        event.caller.position,
                    )
                case AgentConnected():
                    try:
                        await _picked_up(cases, event, reception_queue)
                    except Exception:
                        # one case not updated must not stop the tracking of the others
                        log.exception("call %s: case of a queued call not updated", event.unique_id)


async def _picked_up(cases: CaseRepository, event: AgentConnected, reception_queue: str) -> None:
    case = await cases.case_for_call(event.unique_id)
    if case is None:
        return  # a call that never had a case (a test extension, a direct dial)
    at_reception = event.queue == reception_queue
    who = event.member_name or event.member
    speaker = "agent" if at_reception else "expert"
    await cases.add_turn(case.id, "system", f"{speaker} {who} ({event.queue})")
    if at_reception:
        await cases.set_outcome(case.id, Outcome.ANSWERED_BY_RECEPTION)
    log.info("call %s: picked up in queue %s", event.unique_id, event.queue)
