"""The first two steps of every call: answer it and open its case (NEW), then route it
by the call flow (ANSWERED): to the reception queue when the desk is open and an
agent is logged in, else to the voicebot."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

from guichet.casefile.repository import CaseRepository
from guichet.events import CallAnswered, CallRouted
from ivr_flows.closures import TimedClosure
from ivr_flows.decision import Mode, RoutingDecision, Target, route
from ivr_flows.model import Flow
from pbx.calls.errors import describe_failure
from pbx.calls.session import CallSession
from pbx.calls.state import Answered, Transferring, Voicebot

__all__ = ["AnswerStep", "RouteStep", "new_link_id"]

log = logging.getLogger(__name__)


def new_link_id() -> str:
    """A media link's id: names its bridge and its media channel."""
    return uuid.uuid4().hex[:16]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AnswerStep:
    def __init__(self, cases: CaseRepository, default_language: str) -> None:
        self.cases = cases
        self.default_language = default_language

    async def run(self, call: CallSession) -> None:
        await call.rest.answer(call.call_id)
        # RTP from the answer on, until the voicebot's link (or the queue) takes over
        await call.fill_silence()
        case = await call.store(
            self.cases.open_case(
                call_id=call.call_id,
                caller_number=call.record.caller,
                language=call.record.language or self.default_language,
            ),
            "opening the case",
        )
        call.publish(CallAnswered(call_id=call.call_id, case_id=case.id, language=call.lang))
        await call.go(Answered(), facts=dataclasses.replace(call.facts, case_id=case.id))


class RouteStep:
    def __init__(
        self,
        flow: Flow,
        read_mode: Callable[[], Awaitable[Mode]],
        agents_available: Callable[[str], bool],
        clock: Callable[[], dt.datetime] = _utcnow,
        read_closures: Callable[[dt.datetime], Awaitable[Sequence[TimedClosure]]] | None = None,
    ) -> None:
        self.flow = flow
        self.read_mode = read_mode
        self.agents_available = agents_available
        self.clock = clock
        self.read_closures = read_closures  # added by operators (the wallboard), per call

    async def run(self, call: CallSession) -> None:
        step = call.record.step
        came_back = step.came_back if isinstance(step, Answered) else None
        if came_back:
            await call.fill_silence()  # a new Stasis entry: the earlier silence went
        mode = await self._mode(call)
        reception = self.flow.when_open.queue
        now = self.clock()
        decision: RoutingDecision = route(
            self.flow,
            now,
            mode,
            self.agents_available(reception),
            closures=await self._closures(call, now),
        )
        # back from the queue: the caller chose the voicebot (or the queue gave up)
        target = Target.VOICEBOT if came_back else decision.target
        call.publish(
            CallRouted(
                call_id=call.call_id,
                case_id=call.case_id,
                target=target.value,
                reason=decision.reason.value,
                detail=decision.detail,
                mode=mode.value,
            )
        )
        await call.store(
            call.calls.add_event(
                call.call_id,
                "call.routed",
                {"target": target.value, "reason": decision.reason.value, "mode": mode.value},
            ),
            "recording the route",
        )
        log.info("call %s routed to %s (%s)", call.call_id, target.value, decision.reason.value)
        if target is Target.RECEPTION_QUEUE:
            await call.go(Transferring(queue=decision.queue, escalated=False))
            return
        facts = call.facts
        if not came_back:
            facts = facts.with_lang(decision.language, known=facts.lang_known)
        await call.go(Voicebot(link_id=new_link_id(), desk_open=decision.desk_open), facts=facts)

    async def _closures(self, call: CallSession, now: dt.datetime) -> Sequence[TimedClosure]:
        """The operators' closures; unreadable: none (the hours decide)."""
        if self.read_closures is None:
            return ()
        try:
            return await call.store(self.read_closures(now), "reading the closures")
        except Exception as exc:
            log.warning(
                "call %s: closures unreadable (%s); routing by the hours",
                call.call_id,
                describe_failure(exc),
            )
            return ()

    async def _mode(self, call: CallSession) -> Mode:
        """The operators' mode; unreadable (a store fault, a value no version wrote):
        auto, so that the flow's hours decide rather than nobody."""
        try:
            return await call.store(self.read_mode(), "reading the routing mode")
        except Exception as exc:
            log.warning(
                "call %s: routing mode unreadable (%s); routing by the hours",
                call.call_id,
                describe_failure(exc),
            )
            return Mode.AUTO
