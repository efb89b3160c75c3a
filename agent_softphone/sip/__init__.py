"""The softphone's SIP side in the web app: ``GET /api/me/sip`` (the logged-in
account's SIP identity, for JsSIP) and ``/sip``, the websocket that relays SIP
between the browser and Asterisk's own SIP websocket, so the page, its API and its
SIP share one origin and one certificate."""

from agent_softphone.sip.frames import RefusedFrame, check_frame
from agent_softphone.sip.routes import SOFTPHONE_ROLES, SipRelay, router

__all__ = ["SOFTPHONE_ROLES", "RefusedFrame", "SipRelay", "check_frame", "router"]
