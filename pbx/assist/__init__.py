"""Live assist: when app_queue connects a caller with a desk account, both legs are
snooped (``spy=in``: each person's own voice) into chan_websocket media, transcribed
by the transcribe-only pipeline in the shared Whisper workers (after the voicebot's
turns), told on the bus (``AssistLine``), kept on the call's case, and the caller's
words looked up in the knowledge base (``AssistSuggested``).

- ``stasis``: live assist's own ARI application and the queue-event follower.
- ``flow``: one assisted call (its two legs).
- ``leg``: one leg: snoop, media link, pipeline, interim texts.
- ``events``: what is published and stored.
- ``topic``: which of the caller's words the cards are looked up from.
"""

from pbx.assist.events import AssistRecorder, suggested_event
from pbx.assist.flow import AssistCall, AssistTarget
from pbx.assist.leg import ASSIST_PREFIX, AssistLeg, HeardLine
from pbx.assist.stasis import AssistService, agent_of_member, suggest_with

__all__ = [
    "ASSIST_PREFIX",
    "AssistCall",
    "AssistLeg",
    "AssistRecorder",
    "AssistService",
    "AssistTarget",
    "HeardLine",
    "agent_of_member",
    "suggest_with",
    "suggested_event",
]
