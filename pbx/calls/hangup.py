"""The HANGING_UP step: ask Asterisk to hang up, and wait for StasisEnd to confirm."""

from __future__ import annotations

import logging

from pbx.calls.errors import CallEnded
from pbx.calls.session import CallSession
from pbx.errors import CallNotFound

__all__ = ["HANGUP_CONFIRM_TIMEOUT_S", "HangUpStep"]

log = logging.getLogger(__name__)

HANGUP_CONFIRM_TIMEOUT_S = 5.0


class HangUpStep:
    async def run(self, call: CallSession) -> None:
        try:
            await call.rest.hangup(call.call_id)
        except CallNotFound:
            return
        # the hang-up completes a little later; StasisEnd confirms it
        try:
            while True:
                await call.next_event(HANGUP_CONFIRM_TIMEOUT_S)
        except CallEnded:
            return
        except TimeoutError:
            log.warning("call %s: no StasisEnd after hang-up", call.call_id)
