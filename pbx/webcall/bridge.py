"""``PbxWebCalls``: the call side of the website's call button (implements
:class:`guichet.webcall.WebCallBridge`). ``guichet up`` gives the same object to
the web app and to the call side, which binds it once its ARI client, call store
and queue state exist (:meth:`bind`); before that, web calls stay with the bot."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from guichet.webcall import WebCallJoin, WebCallUnavailable
from pbx.ari.rest import AriRest
from pbx.calls.state import Answered, CallFacts, Transferring
from pbx.calls.store import CallRepository
from pbx.queues.flow import HandOver
from pbx.webcall.leg import WEB_CHANNEL_PREFIX, AsteriskLeg

__all__ = ["PbxWebCalls"]

log = logging.getLogger(__name__)

WEB_LINE = "web"  # the "called number" of a web call's row: the website


@dataclass(frozen=True)
class _Wiring:
    rest: AriRest
    app: str
    ari_base_url: str
    calls: CallRepository
    hand_over: HandOver


class PbxWebCalls:
    def __init__(self) -> None:
        self._wiring: _Wiring | None = None

    def bind(
        self,
        *,
        rest: AriRest,
        app: str,
        ari_base_url: str,
        calls: CallRepository,
        hand_over: HandOver,
    ) -> None:
        self._wiring = _Wiring(rest, app, ari_base_url, calls, hand_over)

    def people_available(self) -> bool:
        wiring = self._wiring
        if wiring is None:
            return False
        return wiring.hand_over.agents_available(wiring.hand_over.flow.when_open.queue)

    async def join(self, request: WebCallJoin, on_audio: Callable[[bytes], None]) -> AsteriskLeg:
        wiring = self._wiring
        if wiring is None:
            raise WebCallUnavailable("the call side is not connected")
        target = wiring.hand_over.target(request.service)
        if not isinstance(target, Transferring):
            # a callback needs the caller's number: the web offers it in the chat
            raise WebCallUnavailable("nobody in the queues")
        channel_id = WEB_CHANNEL_PREFIX + uuid.uuid4().hex
        facts = CallFacts(case_id=request.case_id, lang=request.lang, lang_known=True)
        # the row first: the controller finds the channel already answered and on its
        # way to the queue when its StasisStart comes
        await wiring.calls.create(channel_id, "", WEB_LINE, request.lang)
        await wiring.calls.transition(channel_id, Answered(), facts)
        await wiring.calls.transition(channel_id, target, facts, "web call")
        leg = AsteriskLeg(wiring.rest, channel_id, target.queue)
        try:
            await leg.open(wiring.app, wiring.ari_base_url, on_audio)
        except BaseException:
            await leg.aclose()
            with contextlib.suppress(Exception):  # the controller may have ended it
                await wiring.calls.end(channel_id, facts, "web_leg_failed")
            raise
        log.info("web call (case %s): to queue %s as %s", request.case_id, target.queue, channel_id)
        return leg
