"""One assisted call: the caller's leg and the agent's, each transcribed on its own,
until either person's channel ends (or app_queue says the call is over)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from guichet.events import Speaker
from guichet.tasks import cancel_and_wait
from pbx.ari.rest import AriRest
from pbx.assist.events import AssistRecorder
from pbx.assist.leg import AssistLeg
from pbx.errors import PbxError
from voicebot import Lang, ListeningEngines, VoicebotConfig

__all__ = ["AssistCall", "AssistTarget"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssistTarget:
    """Whom to hear: the caller's channel (the call's id) and the agent's."""

    call_id: str
    agent_channel_id: str  # "" when AMI did not say (the caller's leg only)
    agent: str  # the desk account's username
    agent_speaker: Speaker  # "agent" at reception, "expert" in a service's queue
    lang: Lang | None = None


class AssistCall:
    def __init__(
        self,
        target: AssistTarget,
        *,
        rest: AriRest,
        app: str,
        ari_base_url: str,
        engines: ListeningEngines,
        config: VoicebotConfig,
        recorder: AssistRecorder,
        expect_stasis_start: Callable[[str], asyncio.Future[None]],
        expect_stasis_end: Callable[[str], asyncio.Future[None]],
    ) -> None:
        self.target = target
        self.recorder = recorder
        self.ended = asyncio.Event()  # a person's channel went (the entry sets it)
        legs: list[tuple[Speaker, str]] = [("caller", target.call_id)]
        if target.agent_channel_id:
            legs.append((target.agent_speaker, target.agent_channel_id))
        self.legs = [
            AssistLeg(
                rest,
                app=app,
                ari_base_url=ari_base_url,
                target=channel,
                leg_id=f"{target.call_id}-{speaker}",
                engines=engines,
                config=config,
                lang=target.lang,
                on_line=self._heard_by(speaker),
                expect_stasis_start=expect_stasis_start,
                expect_stasis_end=expect_stasis_end,
            )
            for speaker, channel in legs
        ]

    @property
    def snoop_ids(self) -> set[str]:
        return {leg.snoop_id for leg in self.legs}

    def _heard_by(self, speaker: Speaker) -> Callable[..., None]:
        return lambda line: self.recorder.heard(speaker, line)

    async def run(self) -> None:
        call_id = self.target.call_id
        self.recorder.start()
        try:
            opened = []
            for leg in self.legs:
                try:
                    await leg.open()
                    opened.append(leg)
                except (PbxError, TimeoutError) as exc:
                    # the other leg is still worth hearing (a channel gone meanwhile)
                    log.warning("call %s: assist leg %s not opened (%s)", call_id, leg.target, exc)
            if not opened:
                return
            log.info("call %s: live assist on (%d legs)", call_id, len(opened))
            watchers = [asyncio.ensure_future(leg.wait_closed()) for leg in opened]
            ended = asyncio.ensure_future(self.ended.wait())
            try:
                await asyncio.wait({ended, *watchers}, return_when="FIRST_COMPLETED")
            finally:
                await cancel_and_wait(ended, *watchers)
        finally:
            for leg in self.legs:
                try:
                    await leg.aclose()
                except Exception:  # each leg is closed, whatever the other did
                    log.exception("call %s: assist leg %s not closed", call_id, leg.target)
            await self.recorder.aclose()
            log.info("call %s: live assist off", call_id)
