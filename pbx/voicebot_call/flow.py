"""The VOICEBOT step: the caller talks with the voicebot over a media link; when the
conversation ends, the call is handed over (a queue or a callback), or hung up.

A controller that restarts mid-conversation cannot take the audio back: the call
goes to a person (or the callback flow), never to silence and never to a bot that
starts over. An engine that fails mid-conversation (the bot no longer hears, or no
longer speaks) hands the call over the same way.
"""

from __future__ import annotations

import asyncio
import logging

from guichet.bus import EventBus
from guichet.casefile.records import Outcome
from guichet.casefile.repository import CaseRepository
from guichet.events import HandedOver
from guichet.tasks import cancel_and_wait
from pbx.calls.errors import CallEnded, VoiceLost
from pbx.calls.routing import new_link_id
from pbx.calls.session import CallSession
from pbx.calls.state import Callback, HangingUp, Voicebot
from pbx.media.link import MediaLink
from pbx.queues.flow import HandOver
from pbx.voicebot_call.conversation import PipelineFactory, VoicebotCall, VoicebotOutcome
from pbx.voicebot_call.events import ConversationRecorder

__all__ = ["VoicebotStep"]

log = logging.getLogger(__name__)


class VoicebotStep:
    def __init__(
        self,
        make_pipeline: PipelineFactory,
        cases: CaseRepository,
        bus: EventBus,
        hand_over: HandOver,
    ) -> None:
        self.make_pipeline = make_pipeline
        self.cases = cases
        self.bus = bus
        self.hand_over = hand_over

    async def run(self, call: CallSession) -> None:
        step = call.record.step
        assert isinstance(step, Voicebot)
        if call.resumed:
            # the conversation's audio died with the previous controller: do not make
            # the caller start over with a bot, hand them to a person
            await MediaLink.discard(call.rest, step.link_id)
            await self._hand_over(call, step.service, "controller_restart", after_incident=True)
            return
        link = await call.open_link(step.link_id)
        recorder = ConversationRecorder(
            call_id=call.call_id,
            case_id=call.case_id,
            cases=self.cases,
            bus=self.bus,
            services=self.hand_over.service_names,
        )
        bot = VoicebotCall(
            link=link,
            make_pipeline=self.make_pipeline,
            recorder=recorder,
            lang=call.lang if call.lang_known else None,
            humans_available=step.desk_open,
            drain_s=call.timeouts.store_s,
        )
        # a hang-up ends the conversation from inside (its last turns still reach the case)
        gone_watch = asyncio.ensure_future(self._hang_up_when_gone(call, bot))
        try:
            with call.listening(audio=bot.push_audio, keys=bot.push_dtmf):
                outcome = await bot.run()
        finally:
            await cancel_and_wait(gone_watch)
            await link.aclose()
        call.answered += outcome.answered
        await self._after(call, outcome)

    @staticmethod
    async def _hang_up_when_gone(call: CallSession, bot: VoicebotCall) -> None:
        await call.gone.wait()
        bot.pipeline.hangup()

    async def _after(self, call: CallSession, outcome: VoicebotOutcome) -> None:
        log.info("call %s: voicebot %s", call.call_id, outcome.kind)
        if outcome.lang_known:
            await call.learn_language(outcome.lang)
        if outcome.kind == "caller_hangup" or call.gone.is_set():
            raise CallEnded
        if outcome.kind == "callback":
            call.publish(self._handed_over(call, outcome.reason, outcome.service))
            await call.go(Callback(link_id=new_link_id(), service=outcome.service))
        elif outcome.kind == "transfer":
            await self._hand_over(call, outcome.service, outcome.reason)
        elif outcome.kind == "media_lost":
            await self._hand_over(call, None, "media_lost", after_incident=True)
        elif outcome.kind == "engine_failed":
            await self._after_engine_failure(call, outcome)
        else:
            await call.set_outcome(Outcome.ANSWERED_BY_BOT if call.answered else Outcome.ABANDONED)
            await call.go(HangingUp())

    async def _after_engine_failure(self, call: CallSession, outcome: VoicebotOutcome) -> None:
        """The bot can no longer hear (or speak): to a queue, where recorded prompts
        and a person take over, else to the callback flow, whose keys need no ears.
        Without a voice there is no callback flow either: the last resort's recorded
        apology and routing take the call."""
        stage = outcome.reason
        target = self.hand_over.target(outcome.service, after_incident=True)
        if stage == "tts" and isinstance(target, Callback):
            raise VoiceLost(f"call {call.call_id}: no voice left for the callback flow")
        call.publish(self._handed_over(call, f"{stage}_failed", outcome.service))
        await call.go(target)

    async def _hand_over(
        self, call: CallSession, service: str | None, reason: str, *, after_incident: bool = False
    ) -> None:
        call.publish(self._handed_over(call, reason, service))
        await call.go(self.hand_over.target(service, after_incident=after_incident))

    @staticmethod
    def _handed_over(call: CallSession, reason: str, service: str | None) -> HandedOver:
        return HandedOver(
            call_id=call.call_id, case_id=call.case_id, reason=reason, service=service
        )
