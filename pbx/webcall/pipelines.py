"""The voicebot a web call talks with: the phone's (same engines, knowledge base,
dialog and privacy notice), at 16 kHz, built per call for the web app."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from guichet.settings import Settings
from ivr_flows.loader import load_flow_for
from voicebot import Frame, Knowledge, VoicebotConfig, VoicebotPipeline, shared_engines

__all__ = ["WebPipelines"]


class WebPipelines:
    """Callable like ``agent_softphone.webcall.PipelineMaker``; the engines load on
    the first call's pipeline (once per process, shared with the phone calls)."""

    def __init__(self, settings: Settings, knowledge: Knowledge) -> None:
        self.settings = settings
        self.knowledge = knowledge
        config = VoicebotConfig.from_settings(settings)
        notices = load_flow_for(settings).privacy_notices
        self.config = dataclasses.replace(
            config, dialog=dataclasses.replace(config.dialog, notice=notices)
        )

    def __call__(
        self, *, sample_rate: int, humans_available: bool, on_event: Callable[[Frame], None]
    ) -> VoicebotPipeline:
        return VoicebotPipeline.voicebot(
            shared_engines(self.settings),
            self.knowledge,
            self.config,
            sample_rate=sample_rate,
            greet=True,
            humans_available=humans_available,
            on_event=on_event,
        )
