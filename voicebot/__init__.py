"""Speech pipeline and dialog: VAD → ASR → dialog → TTS, offline on CPU.

The public face (other packages import only from here)::

    from voicebot import VoicebotConfig, VoicebotPipeline, shared_engines, open_knowledge

    engines = shared_engines(settings)                # loaded once per process
    config = VoicebotConfig.from_settings(settings)   # the voicebot's slice of the settings
    bot = VoicebotPipeline.voicebot(engines, knowledge, config, sample_rate=8000)
    live = VoicebotPipeline.transcribe(engines, config, sample_rate=8000, on_event=show)
    voice = Voice(engines.tts, engines.tts_pool, sample_rate=8000)  # prompts outside a dialog

Inside:

- ``frames``: typed frames; ``FrameQueue`` lets control frames overtake queued audio.
- ``engines``: VAD (webrtc, silero), ASR (Whisper via CTranslate2), TTS
  (espeak-ng/MBROLA, Piper, coqui optional), each behind a Protocol.
- ``stages``: one module per stage, one ``process`` each (``process_upstream`` for
  the feedback frames); ``pipeline.VoicebotPipeline`` runs a list of them for one call
  and has the two presets; ``runtime.shared_engines`` loads models once per process.
- ``dialog``: the conversation as a pure state machine (also used by ``chat``).
- ``ear``: written text → text for the ear (fr, en). ``say``: the ``Voice`` facade.
"""

from voicebot.audio import StreamResampler, pcm16_to_float, resample
from voicebot.chat import TextChat
from voicebot.config import VoicebotConfig

# the dialog's actions, for the website's text chat (agent_softphone.chat, W1)
from voicebot.dialog import Action, Callback, DialogConfig, Hangup, Say, SwitchLanguage, Transfer
from voicebot.ear import for_the_ear
from voicebot.engines.asr import AsrEngine, AsrResult
from voicebot.engines.tts import TtsEngine
from voicebot.errors import AudioInputError, EngineUnavailable, ModelError, VoicebotError
from voicebot.executors import (
    ASR_ASSIST_FINAL,
    ASR_ASSIST_INTERIM,
    ASR_VOICEBOT,
    AsrLane,
    Dropped,
    PriorityPool,
)
from voicebot.frames import (
    AnswerFrame,
    AudioFrame,
    BargeInFrame,
    BotAudioFrame,
    BotHangupFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ControlFrame,
    DataFrame,
    DialogActionFrame,
    DTMFFrame,
    EngineIncidentFrame,
    Frame,
    HangupFrame,
    Lang,
    LanguageFrame,
    SpeakFrame,
    TranscriptionFrame,
    TurnCancelledFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicebot.knowledge_port import Knowledge, KnowledgeAnswer, SimpleAnswer, open_knowledge
from voicebot.pipeline import (
    EngineFailed,
    EngineSet,
    ListeningEngines,
    VoicebotPipeline,
    transcribe_pipeline,
    voicebot_pipeline,
)
from voicebot.runtime import Engines, shared_engines
from voicebot.say import Voice
from voicebot.stages.asr_stage import AsrConfig
from voicebot.stages.silence_stage import SilenceConfig
from voicebot.stages.tts_stage import TtsConfig
from voicebot.stages.vad_stage import VadConfig

__all__ = [
    "ASR_ASSIST_FINAL",
    "ASR_ASSIST_INTERIM",
    "ASR_VOICEBOT",
    "Action",
    "AnswerFrame",
    "AsrConfig",
    "AsrEngine",
    "AsrLane",
    "AsrResult",
    "AudioFrame",
    "AudioInputError",
    "BargeInFrame",
    "BotAudioFrame",
    "BotHangupFrame",
    "BotStartedSpeakingFrame",
    "BotStoppedSpeakingFrame",
    "Callback",
    "ControlFrame",
    "DTMFFrame",
    "DataFrame",
    "DialogActionFrame",
    "DialogConfig",
    "Dropped",
    "EngineFailed",
    "EngineIncidentFrame",
    "EngineSet",
    "EngineUnavailable",
    "Engines",
    "Frame",
    "Hangup",
    "HangupFrame",
    "Knowledge",
    "KnowledgeAnswer",
    "Lang",
    "LanguageFrame",
    "ListeningEngines",
    "ModelError",
    "PriorityPool",
    "Say",
    "SilenceConfig",
    "SimpleAnswer",
    "SpeakFrame",
    "StreamResampler",
    "SwitchLanguage",
    "TextChat",
    "TranscriptionFrame",
    "Transfer",
    "TtsConfig",
    "TtsEngine",
    "TurnCancelledFrame",
    "UserStartedSpeakingFrame",
    "UserStoppedSpeakingFrame",
    "VadConfig",
    "Voice",
    "VoicebotConfig",
    "VoicebotError",
    "VoicebotPipeline",
    "for_the_ear",
    "open_knowledge",
    "pcm16_to_float",
    "resample",
    "shared_engines",
    "transcribe_pipeline",
    "voicebot_pipeline",
]
