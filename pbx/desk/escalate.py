"""Escalation from the desk: the caller, bridged with the agent inside app_queue, is
moved to a service queue's dialplan (``guichet-queue,<queue>,1``) with the case on
the channel (``GUICHET_CASE``), so that the expert's ring carries the case and its
summary. The agent's leg ends: app_queue hangs up the member channel once its
caller has left the bridge.

AMI, not ARI: the caller is in the dialplan (``Queue()``), not in Stasis, and ARI
can only continue channels it holds. Needs the AMI account's ``call`` write class
(Setvar, Redirect; asterisk-config/manager.conf)."""

from __future__ import annotations

import logging
import re

from pbx.ami import AmiActionFailed
from pbx.errors import AmiError, CallNotFound, QueueNotFound
from pbx.queues.flow import QUEUE_CONTEXT
from pbx.queues.monitor import AmiActions

__all__ = ["caller_channel", "redirect_to_queue"]

log = logging.getLogger(__name__)

# what the ``guichet-queue`` context's pattern (``_[a-z0-9].``) takes as a queue
_QUEUE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,79}")


async def caller_channel(ami: AmiActions, call_id: str) -> str:
    """The channel name of the call whose channel id (Uniqueid) is ``call_id``:
    Redirect and Setvar name channels, the bus and the store know ids."""
    try:
        messages = await ami.action({"Action": "Status"}, as_list=True)
    except AmiActionFailed as exc:
        raise AmiError(f"AMI Status refused: {exc.message}") from exc
    for message in messages:
        if message.get("Event") == "Status" and message.get("Uniqueid") == call_id:
            name = message.get("Channel", "")
            if name:
                return name
    raise CallNotFound(call_id)


async def redirect_to_queue(ami: AmiActions, call_id: str, queue: str, case_id: str) -> str:
    """Move the caller of ``call_id`` to ``queue``, carrying ``case_id``; the channel
    moved. CallNotFound when the call is gone (the caller hung up meanwhile)."""
    if not _QUEUE_NAME.fullmatch(queue):
        raise QueueNotFound(queue)
    channel = await caller_channel(ami, call_id)
    try:
        # the variable first: the expert's ring (and the queue's case tracker) must
        # find the case on the channel the moment it enters the queue
        await ami.action(
            {"Action": "Setvar", "Channel": channel, "Variable": "GUICHET_CASE", "Value": case_id}
        )
        await ami.action(
            {
                "Action": "Redirect",
                "Channel": channel,
                "Context": QUEUE_CONTEXT,
                "Exten": queue,
                "Priority": "1",
            }
        )
    except AmiActionFailed as exc:
        if "no such channel" in exc.message.lower():
            raise CallNotFound(call_id) from exc
        raise
    log.info("call %s: escalated to queue %s (case %s)", call_id, queue, case_id)
    return channel
