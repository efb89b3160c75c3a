"""Click-to-call for the experts' callbacks (:class:`guichet.click_to_call.ClickToCall`
on Asterisk): ARI originates a call to the expert's own endpoint; when it answers, the
dialplan context :data:`CONTEXT` dials the callback's number on the outbound trunk."""

from pbx.click_to_call.attempts import callback_attempts
from pbx.click_to_call.dialing import CONTEXT, TRUNK_ENDPOINT, DialRules, OutboundTrunk
from pbx.click_to_call.originate import PbxClickToCall

__all__ = [
    "CONTEXT",
    "TRUNK_ENDPOINT",
    "DialRules",
    "OutboundTrunk",
    "PbxClickToCall",
    "callback_attempts",
]
