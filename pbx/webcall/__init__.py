"""The website's call button, telephony side: a visitor's web call joins Asterisk
(an externalMedia leg into the ``guichet`` application, routed to a queue with its
case) when the caller asks for a person."""

from pbx.webcall.bridge import PbxWebCalls
from pbx.webcall.leg import WEB_CHANNEL_PREFIX, AsteriskLeg
from pbx.webcall.pipelines import WebPipelines

__all__ = ["WEB_CHANNEL_PREFIX", "AsteriskLeg", "PbxWebCalls", "WebPipelines"]
