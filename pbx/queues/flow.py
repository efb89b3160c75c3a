"""Handing a call to people: which queue (the expert service of the topic, reception,
else a callback), and the TRANSFERRING step that sends the call there with its case
summary written, so that nobody asks the caller again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from guichet.casefile.records import Outcome
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer
from guichet.events import CallEscalated, CallTransferred
from ivr_flows.model import Flow
from pbx.calls.routing import new_link_id
from pbx.calls.session import CallSession
from pbx.calls.state import Callback, StateRecord, Transferring
from pbx.calls.summary import write_summary

__all__ = ["QUEUE_CONTEXT", "HandOver", "QueueStep"]

log = logging.getLogger(__name__)

QUEUE_CONTEXT = "guichet-queue"  # extensions.conf: one extension per queue


class HandOver:
    """Where a call goes when the voicebot gives it to people."""

    def __init__(
        self, flow: Flow, queues: Collection[str], agents_available: Callable[[str], bool]
    ) -> None:
        self.flow = flow
        self.queues = frozenset(queues)
        self.agents_available = agents_available

    @property
    def service_names(self) -> set[str]:
        """What a card's ``service`` may name: the flow's services and the queues."""
        return set(self.flow.services) | set(self.queues)

    def service_queue(self, service: str | None) -> str | None:
        if service is None:
            return None
        known = self.flow.services.get(service)
        if known is not None:
            return known.queue
        return service if service in self.queues else None

    def target(self, service: str | None, *, after_incident: bool = False) -> StateRecord:
        """To the expert service's queue, else reception, else a callback."""
        expert = self.service_queue(service)
        reception = self.flow.when_open.queue
        if expert is not None and expert != reception and self.agents_available(expert):
            return Transferring(queue=expert, escalated=True, service=service)
        if self.agents_available(reception):
            return Transferring(queue=reception, escalated=False, service=service)
        return Callback(link_id=new_link_id(), service=service, incident=after_incident)


class QueueStep:
    """TRANSFERRING: into the queue's dialplan extension; the call leaves Stasis."""

    def __init__(self, cases: CaseRepository, summarizer: Summarizer) -> None:
        self.cases = cases
        self.summarizer = summarizer

    async def run(self, call: CallSession) -> None:
        step = call.record.step
        assert isinstance(step, Transferring)
        summary = await write_summary(self.cases, self.summarizer, call)
        if step.escalated:
            # the one place a call is marked escalated: when it goes to the experts
            await call.set_outcome(Outcome.ESCALATED)
        await call.rest.set_variable(call.call_id, "GUICHET_CASE", call.case_id)
        await call.rest.set_variable(call.call_id, "CHANNEL(language)", call.lang)
        kind = CallEscalated if step.escalated else CallTransferred
        call.publish(
            kind(
                call_id=call.call_id,
                case_id=call.case_id,
                queue=step.queue,
                service=step.service,
                summary=summary,
            )
        )
        log.info("call %s: to queue %s", call.call_id, step.queue)
        await call.stop_silence()  # the queue's own sounds (hold, music) take the line
        await call.rest.continue_in_dialplan(call.call_id, QUEUE_CONTEXT, step.queue)
        # the channel leaves Stasis: StasisEnd closes this leg of the call
        await call.wait_until_gone()
