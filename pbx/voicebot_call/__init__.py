"""The voicebot on a live call: the VOICEBOT step (``flow``), the conversation over
the media link (``conversation``), and what it records and publishes (``events``)."""

from pbx.voicebot_call.conversation import PipelineFactory, VoicebotCall, VoicebotOutcome
from pbx.voicebot_call.flow import VoicebotStep

__all__ = ["PipelineFactory", "VoicebotCall", "VoicebotOutcome", "VoicebotStep"]
