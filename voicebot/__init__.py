"""Speech pipeline and dialog: VAD → ASR → dialog → TTS, offline on CPU.

- ``frames``: typed frames; ``FrameQueue`` lets control frames overtake queued audio.
- ``engines``: VAD (webrtc, silero, energy), ASR (Whisper via CTranslate2, fake),
  TTS (espeak-ng/MBROLA, Piper, coqui optional, fake), each behind a Protocol.
- ``stages``: one module per stage, one ``process`` each; ``pipeline.VoicebotPipeline``
  chains them for one call; ``runtime.shared_engines`` loads models once per process.
- ``dialog``: the conversation as a pure state machine (also used by ``chat``).
- ``ear``: written text → text for the ear (fr, en).
"""
