"""Asterisk's own silence on the caller's line between the steps of a call.

While the caller is bridged with a media link, the link keeps RTP flowing
(:mod:`pbx.calls.steady_link`). Between two links (answer -> voicebot, voicebot ->
callback) and from the last one to the hang-up, the caller is in no bridge that
feeds them and Asterisk would send nothing: a border controller with an RTP
time-out may hang up then. Asterisk's silence generator (ARI ``POST
/channels/{id}/silence``; ``DELETE`` stops it) fills those moments, paced by
Asterisk itself.

A generator owns the channel's output: what a bridge writes to the channel is
dropped while it runs. So it is stopped once a link feeds the caller, and before
the call leaves for the dialplan (a queue, the last resort), where a generator
left running could mute what the dialplan plays.

Best effort both ways, within the call's ARI time-out: a call that is gone, or
that Asterisk will not fill, is no reason to fail the step that asked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from pbx.ari.rest import AriRest
from pbx.calls.errors import describe_failure
from pbx.errors import AriError, CallNotFound

__all__ = ["start_line_silence", "stop_line_silence"]

log = logging.getLogger(__name__)


async def start_line_silence(rest: AriRest, channel_id: str, timeout_s: float) -> None:
    """Asterisk sends the caller silence until :func:`stop_line_silence`."""
    await _ask(rest.start_silence(channel_id), channel_id, "start", timeout_s)


async def stop_line_silence(rest: AriRest, channel_id: str, timeout_s: float) -> None:
    """The caller's line is fed by someone else now (a link, the dialplan)."""
    await _ask(rest.stop_silence(channel_id), channel_id, "stop", timeout_s)


async def _ask(request: Awaitable[None], channel_id: str, what: str, timeout_s: float) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            await request
    except CallNotFound:
        return  # gone: nobody to send silence to
    except (AriError, TimeoutError) as exc:
        log.info("call %s: silence %s not done (%s)", channel_id, what, describe_failure(exc))
