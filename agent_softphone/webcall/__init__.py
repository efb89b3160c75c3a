"""The website's "call the city hall" button, server side: WebRTC (aiortc) from the
visitor's browser into the voicebot pipeline, and into Asterisk's queues through
the core's :class:`guichet.webcall.WebCallBridge` when the caller asks for a person.
The browser side is ``agent_softphone/static/chat/call.js``."""

from agent_softphone.webcall.routes import router
from agent_softphone.webcall.service import Answer, WebCallRefused, WebCalls

__all__ = ["Answer", "WebCallRefused", "WebCalls", "router"]
